using Microsoft.Extensions.Options;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>Validates every workflow's named <see cref="StatusWorkflowOptions"/>; messages name the workflow and the setting.</summary>
internal sealed class StatusWorkflowOptionsValidator : IValidateOptions<StatusWorkflowOptions>
{
    private readonly HashSet<string> _workflows;

    public StatusWorkflowOptionsValidator(IEnumerable<Definition.StatusWorkflowRegistration> registrations)
        => _workflows = registrations.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);

    public ValidateOptionsResult Validate(string? name, StatusWorkflowOptions options)
    {
        if (name is null || !_workflows.Contains(name))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        if (options.BatchSize is < 1 or > StatusWorkflowOptions.MaxBatchSize)
        {
            failures.Add(Message(name, nameof(options.BatchSize), options.BatchSize, $"must be between 1 and {StatusWorkflowOptions.MaxBatchSize}"));
        }

        if (options.Interval <= TimeSpan.Zero || options.Interval > TimeSpan.FromDays(1))
        {
            failures.Add(Message(name, nameof(options.Interval), options.Interval, "must be more than zero and at most one day"));
        }

        if (options.MaxBatchesPerRun < 1)
        {
            failures.Add(Message(name, nameof(options.MaxBatchesPerRun), options.MaxBatchesPerRun, "must be at least 1"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Message(string workflow, string setting, object value, string rule)
        => $"Status workflow '{workflow}': {setting} {rule} (was {value}).";
}
