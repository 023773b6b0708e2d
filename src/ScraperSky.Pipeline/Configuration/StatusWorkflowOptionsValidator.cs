using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Scheduling;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// Validates every workflow's named <see cref="StatusWorkflowOptions"/>; messages name the workflow and the setting, and
/// for a value from configuration or the environment, the key or variable and the value as written there.
/// </summary>
internal sealed partial class StatusWorkflowOptionsValidator : IValidateOptions<StatusWorkflowOptions>
{
    private readonly Dictionary<string, Definition.StatusWorkflowRegistration> _workflows;
    private readonly Dictionary<string, WorkflowSettingsLocation> _locations;
    private readonly GroupSettingsRules _groups;
    private readonly IConfiguration? _configuration;

    public StatusWorkflowOptionsValidator(
        IEnumerable<Definition.StatusWorkflowRegistration> registrations,
        IEnumerable<WorkflowSettingsLocation> locations,
        IEnumerable<Definition.StatusWorkflowGroupRegistration> groups,
        IConfiguration? configuration = null)
    {
        _workflows = registrations.ToDictionary(r => r.Name, StringComparer.Ordinal);

        // A group named like a workflow has two locations under one name: the group's rules report it.
        _locations = locations.Where(l => !l.IsGroup).ToDictionary(l => l.Workflow, StringComparer.Ordinal);
        _groups = new GroupSettingsRules(groups, locations.Where(l => l.IsGroup), _workflows.Keys, configuration)
        {
            WorkflowPrefixes = _locations.ToDictionary(l => l.Key, l => l.Value.Prefix, StringComparer.Ordinal),
        };
        _configuration = configuration;
    }

    public ValidateOptionsResult Validate(string? name, StatusWorkflowOptions options)
    {
        if (name is not null && _groups.Validate(name, options) is { } groupFailures)
        {
            return groupFailures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(groupFailures);
        }

        if (name is null || !_workflows.TryGetValue(name, out var registration))
        {
            return ValidateOptionsResult.Skip;
        }

        var settings = _locations.TryGetValue(name, out var location) && (_configuration ?? location.Section) is { } configuration
            ? new WorkflowConfiguration(configuration, location)
            : null;
        var failures = new List<string>();
        if (settings is not null)
        {
            failures.AddRange(settings.Problems().Select(problem => $"Status workflow '{name}': {problem}"));
        }

        failures.AddRange(_groups.MemberProblems(name, options, settings));

        void Check(bool valid, string setting, object? value, string rule)
        {
            if (!valid)
            {
                failures.Add(Message($"Status workflow '{name}'", settings?.SourceOf(SettingCatalog.Find(setting)!, options), setting, value, rule));
            }
        }

        var batch = options.Batch;
        var lease = options.Lease;
        var retry = options.Retry;
        Check(batch.Size is >= 1 and <= StatusWorkflowBatchOptions.MaxSize, "Batch:Size", batch.Size, $"must be between 1 and {StatusWorkflowBatchOptions.MaxSize}");
        Check(batch.MaxPerRun >= 1, "Batch:MaxPerRun", batch.MaxPerRun, "must be at least 1");
        foreach (var (setting, value, rule) in ScheduleProblems(options.Schedule, path => settings?.SourceOf(SettingCatalog.Find(path)!, options)))
        {
            Check(false, setting, value, rule);
        }

        if (options.Mode == ClaimMode.Lease && registration.Lease is null)
        {
            failures.Add($"Status workflow '{name}': Mode is Lease, but the workflow has no lease columns; call Lease(attempts, leaseExpiresAt, claimedBy) on its AddStatusWorkflow builder.");
        }

        Check(Enum.IsDefined(options.Mode), "Mode", options.Mode, "must be AtomicBatch or Lease");
        Check(retry.MaxAttempts >= 1, "Retry:MaxAttempts", retry.MaxAttempts, "must be at least 1");
        Check(options.Parallelism is >= 1 and <= StatusWorkflowOptions.MaxParallelism, "Parallelism", options.Parallelism, $"must be between 1 and {StatusWorkflowOptions.MaxParallelism}");
        Check(options.ItemTimeout > TimeSpan.Zero, "ItemTimeout", options.ItemTimeout, "must be more than zero");
        var leaseInRange = lease.Duration >= TimeSpan.FromSeconds(1) && lease.Duration <= TimeSpan.FromDays(1);
        Check(leaseInRange, "Lease:Duration", lease.Duration, "must be at least one second and at most one day");
        if (lease.RenewalInterval is { } renewal)
        {
            // The keeper must get at least two more chances after a late or failed renewal before the lease runs out.
            Check(
                renewal > TimeSpan.Zero && (!leaseInRange || renewal * 3 <= lease.Duration),
                "Lease:RenewalInterval",
                renewal,
                $"must be more than zero and at most a third of Lease:Duration ({lease.Duration}), so that a late or failed renewal is followed by another before the lease runs out");
        }

        Check(retry.Delay >= TimeSpan.Zero, "Retry:Delay", retry.Delay, "must be zero or more");
        Check(retry.MaxDelay >= retry.Delay, "Retry:MaxDelay", retry.MaxDelay, $"must be at least Retry:Delay ({retry.Delay})");
        Check(Enum.IsDefined(options.StartupCheck), "StartupCheck", options.StartupCheck, "must be Warn, Fail or Off");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The schedule settings a rule may name, to be given their configuration paths.</summary>
    private static Regex ScheduleSettingNames => ScheduleSettingNamesRegex();

    [GeneratedRegex(@"\b(Interval|Cron|TimeZone)\b", RegexOptions.CultureInvariant)]
    private static partial Regex ScheduleSettingNamesRegex();

    /// <summary>The problems of a workflow's (or a group's) schedule settings: (configuration path, value, rule).</summary>
    /// <param name="schedule">The schedule settings.</param>
    /// <param name="sourceOf">Where a setting (by path) came from, to say where an Interval set beside Cron was set.</param>
    internal static IEnumerable<(string Setting, object? Value, string Rule)> ScheduleProblems(StatusWorkflowScheduleOptions schedule, Func<string, SettingSource?> sourceOf)
    {
        if (schedule.JobId is not null && string.IsNullOrWhiteSpace(schedule.JobId))
        {
            yield return ("Schedule:JobId", schedule.JobId, "must not be empty or white space when set");
        }

        foreach (var (setting, rule, value) in ScheduleRules.Check(JobSchedule.From(schedule)))
        {
            var text = ScheduleSettingNames.Replace(rule, "Schedule:$1");
            if (rule == ScheduleRules.BothSetRule)
            {
                text += $" (Schedule:Interval is set by {sourceOf("Schedule:Interval")?.ToString() ?? "code"})";
            }

            yield return ("Schedule:" + setting, value, text);
        }
    }

    /// <summary>A validation message: <paramref name="subject"/> (<c>Status workflow 'x'</c>), the setting, and the key or variable behind a configured value.</summary>
    internal static string Message(string subject, SettingSource? source, string setting, object? value, string rule)
        => source is { Origin: SettingOrigin.Configuration or SettingOrigin.Environment }
            ? $"{subject}: {source.Key}={source.RawValue} is invalid: {setting} {rule}."
            : $"{subject}: {setting} {rule} (was {value}).";
}
