namespace ScraperSky.SampleHost.Jobs;

/// <summary>One of ScraperSky's scheduler jobs as the seeds name it: its job id, its name and the prefix of its variables.</summary>
public sealed record SeedJob(string JobId, string Name, string EnvironmentPrefix);
