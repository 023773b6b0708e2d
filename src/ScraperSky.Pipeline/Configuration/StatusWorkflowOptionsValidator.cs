using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Scheduling;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// Validates every workflow's named <see cref="StatusWorkflowOptions"/>; messages name the workflow and the setting, and
/// for a value from configuration or the environment, the key or variable and the value as written there.
/// </summary>
internal sealed class StatusWorkflowOptionsValidator : IValidateOptions<StatusWorkflowOptions>
{
    private readonly Dictionary<string, Definition.StatusWorkflowRegistration> _workflows;
    private readonly Dictionary<string, WorkflowSettingsLocation> _locations;
    private readonly IConfiguration? _configuration;

    public StatusWorkflowOptionsValidator(
        IEnumerable<Definition.StatusWorkflowRegistration> registrations,
        IEnumerable<WorkflowSettingsLocation> locations,
        IConfiguration? configuration = null)
    {
        _workflows = registrations.ToDictionary(r => r.Name, StringComparer.Ordinal);
        _locations = locations.ToDictionary(l => l.Workflow, StringComparer.Ordinal);
        _configuration = configuration;
    }

    public ValidateOptionsResult Validate(string? name, StatusWorkflowOptions options)
    {
        if (name is null || !_workflows.TryGetValue(name, out var registration))
        {
            return ValidateOptionsResult.Skip;
        }

        var settings = _configuration is not null && _locations.TryGetValue(name, out var location) ? new WorkflowConfiguration(_configuration, location) : null;
        var failures = new List<string>();
        if (settings is not null)
        {
            failures.AddRange(settings.Problems().Select(problem => $"Status workflow '{name}': {problem}"));
        }

        void Check(bool valid, string setting, object? value, string rule)
        {
            if (!valid)
            {
                failures.Add(Message(name, settings?.SourceOf(WorkflowSettings.Find(setting)!, options), setting, value, rule));
            }
        }

        Check(options.BatchSize is >= 1 and <= StatusWorkflowOptions.MaxBatchSize, nameof(options.BatchSize), options.BatchSize, $"must be between 1 and {StatusWorkflowOptions.MaxBatchSize}");
        Check(options.MaxBatchesPerRun >= 1, nameof(options.MaxBatchesPerRun), options.MaxBatchesPerRun, "must be at least 1");
        Check(options.JobId is null || !string.IsNullOrWhiteSpace(options.JobId), nameof(options.JobId), options.JobId, "must not be empty or white space when set");
        foreach (var (setting, rule, value) in ScheduleRules.Check(JobSchedule.From(options)))
        {
            Check(false, setting, value, rule);
        }

        if (options.Mode == ClaimMode.Lease && registration.Lease is null)
        {
            failures.Add($"Status workflow '{name}': Mode is Lease, but the workflow has no lease columns; call Lease(attempts, leaseExpiresAt, claimedBy) in its AddStatusWorkflow configuration.");
        }

        Check(Enum.IsDefined(options.Mode), nameof(options.Mode), options.Mode, "must be AtomicBatch or Lease");
        Check(options.MaxAttempts >= 1, nameof(options.MaxAttempts), options.MaxAttempts, "must be at least 1");
        Check(options.Parallelism is >= 1 and <= StatusWorkflowOptions.MaxParallelism, nameof(options.Parallelism), options.Parallelism, $"must be between 1 and {StatusWorkflowOptions.MaxParallelism}");
        Check(options.ItemTimeout > TimeSpan.Zero, nameof(options.ItemTimeout), options.ItemTimeout, "must be more than zero");
        var leaseInRange = options.LeaseDuration >= TimeSpan.FromSeconds(1) && options.LeaseDuration <= TimeSpan.FromDays(1);
        Check(leaseInRange, nameof(options.LeaseDuration), options.LeaseDuration, "must be at least one second and at most one day");
        if (options.LeaseRenewalInterval is { } renewal)
        {
            // The keeper must get at least two more chances after a late or failed renewal before the lease runs out.
            Check(
                renewal > TimeSpan.Zero && (!leaseInRange || renewal * 3 <= options.LeaseDuration),
                nameof(options.LeaseRenewalInterval),
                renewal,
                $"must be more than zero and at most a third of LeaseDuration ({options.LeaseDuration}), so that a late or failed renewal is followed by another before the lease runs out");
        }

        Check(options.RetryDelay >= TimeSpan.Zero, nameof(options.RetryDelay), options.RetryDelay, "must be zero or more");
        Check(options.MaxRetryDelay >= options.RetryDelay, nameof(options.MaxRetryDelay), options.MaxRetryDelay, $"must be at least RetryDelay ({options.RetryDelay})");
        Check(Enum.IsDefined(options.Doctor), nameof(options.Doctor), options.Doctor, "must be Warn, Fail or Off");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Message(string workflow, SettingSource? source, string setting, object? value, string rule)
        => source is { Origin: SettingOrigin.Configuration or SettingOrigin.Environment }
            ? $"Status workflow '{workflow}': {source.Key}={source.RawValue} is invalid: {setting} {rule}."
            : $"Status workflow '{workflow}': {setting} {rule} (was {value}).";
}
