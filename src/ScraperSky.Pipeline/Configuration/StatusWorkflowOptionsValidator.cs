using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Scheduling;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// Validates every workflow's named <see cref="StatusWorkflowOptions"/>; messages name the workflow and the setting, and
/// for a value from configuration or the environment, the key or variable and the value as written there.
/// </summary>
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

        var sources = options.Sources;
        var failures = new List<string>();
        if (sources is not null)
        {
            failures.AddRange(sources.Errors.Select(error => $"Status workflow '{name}': {error}"));
        }

        void Check(bool valid, string setting, object? value, string rule)
        {
            if (!valid)
            {
                failures.Add(Message(name, sources, setting, value, rule));
            }
        }

        Check(options.BatchSize is >= 1 and <= StatusWorkflowOptions.MaxBatchSize, nameof(options.BatchSize), options.BatchSize, $"must be between 1 and {StatusWorkflowOptions.MaxBatchSize}");
        Check(options.MaxBatchesPerRun >= 1, nameof(options.MaxBatchesPerRun), options.MaxBatchesPerRun, "must be at least 1");
        Check(options.JobId is null || !string.IsNullOrWhiteSpace(options.JobId), nameof(options.JobId), options.JobId, "must not be empty or white space when set");
        foreach (var (setting, rule, value) in ScheduleRules.Check(JobSchedule.From(options)))
        {
            Check(false, setting, value, rule);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Message(string workflow, WorkflowSettingSources? sources, string setting, object? value, string rule)
        => sources?.Of(setting) is { Origin: SettingOrigin.Configuration or SettingOrigin.Environment } source
            ? $"Status workflow '{workflow}': {source.Key}={source.RawValue} is invalid: {setting} {rule}."
            : $"Status workflow '{workflow}': {setting} {rule} (was {value}).";
}
