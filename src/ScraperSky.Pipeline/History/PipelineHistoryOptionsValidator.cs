using Microsoft.Extensions.Options;

namespace ScraperSky.Pipeline.History;

/// <summary>Checks the history's settings at start-up; each message names the setting, its value and its range.</summary>
internal sealed class PipelineHistoryOptionsValidator : IValidateOptions<PipelineHistoryOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineHistoryOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Schema) || options.Schema.Contains('\0', StringComparison.Ordinal) || options.Schema.Length > 63)
        {
            failures.Add($"Pipeline history setting {PipelineHistoryRegistration.SectionPath}:Schema must be a PostgreSQL identifier of 1 to 63 characters (was '{options.Schema}').");
        }

        if (options.Retention < PipelineHistoryOptions.MinRetention || options.Retention > PipelineHistoryOptions.MaxRetention)
        {
            failures.Add($"Pipeline history setting {PipelineHistoryRegistration.SectionPath}:Retention must be from {PipelineHistoryOptions.MinRetention} to {PipelineHistoryOptions.MaxRetention} (was {options.Retention}).");
        }

        if (options.ConnectionString is { } connectionString && string.IsNullOrWhiteSpace(connectionString))
        {
            failures.Add($"Pipeline history setting {PipelineHistoryRegistration.SectionPath}:ConnectionString is blank; leave it unset to use the first workflow's database.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
