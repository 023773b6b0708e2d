using Microsoft.Extensions.Options;

namespace ScraperSky.Pipeline.Dashboard;

/// <summary>Checks the dashboard's options at start-up; each message names the setting.</summary>
internal sealed class PipelineDashboardOptionsValidator : IValidateOptions<PipelineDashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineDashboardOptions options)
    {
        var failures = new List<string>();
        if (options.SampleInterval < PipelineDashboardOptions.MinSampleInterval || options.SampleInterval > PipelineDashboardOptions.MaxSampleInterval)
        {
            failures.Add($"Pipeline dashboard: SampleInterval must be between {PipelineDashboardOptions.MinSampleInterval} and {PipelineDashboardOptions.MaxSampleInterval}, not {options.SampleInterval}.");
        }

        if (options.StalledAfter < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Pipeline dashboard: StalledAfter must be at least one second, not {options.StalledAfter}.");
        }

        if (options.PageSize is < 1 or > 1000)
        {
            failures.Add($"Pipeline dashboard: PageSize must be between 1 and 1000, not {options.PageSize}.");
        }

        if (string.IsNullOrWhiteSpace(options.Title))
        {
            failures.Add("Pipeline dashboard: Title must not be empty.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
