using static ScraperSky.Pipeline.Configuration.SettingParsers;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>A setting read from configuration: its key under the workflow's section is the property name.</summary>
internal sealed record ConfigurationSetting(string Property, Func<StatusWorkflowOptions, object?> Get, SettingParser Parse);

/// <summary>A setting read from the environment variable <c>{PREFIX}_SCHEDULER_{Suffix}</c>.</summary>
internal sealed record EnvironmentSetting(string Suffix, string Property, SettingParser Parse);

/// <summary>
/// The tables of every <see cref="StatusWorkflowOptions"/> setting that can come from configuration or the environment.
/// A new setting is one line in each table (and its rule in the validator).
/// </summary>
internal static class WorkflowSettings
{
    /// <summary>The configuration section holding one sub-section per workflow name.</summary>
    public const string SectionPath = "ScraperSky:Workflows";

    public static readonly IReadOnlyList<ConfigurationSetting> Configuration =
    [
        new(nameof(StatusWorkflowOptions.Enabled), o => o.Enabled, Bool((o, v) => o.Enabled = v)),
        new(nameof(StatusWorkflowOptions.JobId), o => o.JobId, Text((o, v) => o.JobId = v)),
        new(nameof(StatusWorkflowOptions.BatchSize), o => o.BatchSize, Int((o, v) => o.BatchSize = v)),
        new(nameof(StatusWorkflowOptions.Interval), o => o.Interval, Duration((o, v) => o.Interval = v)),
        new(nameof(StatusWorkflowOptions.MaxBatchesPerRun), o => o.MaxBatchesPerRun, Int((o, v) => o.MaxBatchesPerRun = v)),
        new(nameof(StatusWorkflowOptions.MaxInstances), o => o.MaxInstances, Int((o, v) => o.MaxInstances = v)),
        new(nameof(StatusWorkflowOptions.MisfireGraceTime), o => o.MisfireGraceTime, Duration((o, v) => o.MisfireGraceTime = v)),
        new(nameof(StatusWorkflowOptions.Coalesce), o => o.Coalesce, Bool((o, v) => o.Coalesce = v)),
        new(nameof(StatusWorkflowOptions.StartJitter), o => o.StartJitter, Duration((o, v) => o.StartJitter = v)),
        new(nameof(StatusWorkflowOptions.MaxConsecutiveFailures), o => o.MaxConsecutiveFailures, Int((o, v) => o.MaxConsecutiveFailures = v)),
        new(nameof(StatusWorkflowOptions.FailureBackoff), o => o.FailureBackoff, Duration((o, v) => o.FailureBackoff = v)),
        new(nameof(StatusWorkflowOptions.Mode), o => o.Mode, Choice<ClaimMode>((o, v) => o.Mode = v)),
        new(nameof(StatusWorkflowOptions.LeaseDuration), o => o.LeaseDuration, Duration((o, v) => o.LeaseDuration = v)),
        new(nameof(StatusWorkflowOptions.LeaseRenewalInterval), o => o.LeaseRenewalInterval, Duration((o, v) => o.LeaseRenewalInterval = v)),
        new(nameof(StatusWorkflowOptions.MaxAttempts), o => o.MaxAttempts, Int((o, v) => o.MaxAttempts = v)),
        new(nameof(StatusWorkflowOptions.Parallelism), o => o.Parallelism, Int((o, v) => o.Parallelism = v)),
        new(nameof(StatusWorkflowOptions.ItemTimeout), o => o.ItemTimeout, Duration((o, v) => o.ItemTimeout = v)),
        new(nameof(StatusWorkflowOptions.RetryDelay), o => o.RetryDelay, Duration((o, v) => o.RetryDelay = v)),
        new(nameof(StatusWorkflowOptions.MaxRetryDelay), o => o.MaxRetryDelay, Duration((o, v) => o.MaxRetryDelay = v)),
        new(nameof(StatusWorkflowOptions.Doctor), o => o.Doctor, Choice<DoctorMode>((o, v) => o.Doctor = v)),
        new(nameof(StatusWorkflowOptions.WakeUp), o => o.WakeUp, Bool((o, v) => o.WakeUp = v)),
        new(nameof(StatusWorkflowOptions.InstallWakeUpTrigger), o => o.InstallWakeUpTrigger, Bool((o, v) => o.InstallWakeUpTrigger = v)),
    ];

    public static readonly IReadOnlyList<EnvironmentSetting> Environment =
    [
        new("ENABLED", nameof(StatusWorkflowOptions.Enabled), Bool((o, v) => o.Enabled = v)),
        new("JOB_ID", nameof(StatusWorkflowOptions.JobId), Text((o, v) => o.JobId = v)),
        new("BATCH_SIZE", nameof(StatusWorkflowOptions.BatchSize), Int((o, v) => o.BatchSize = v)),
        new("INTERVAL_SECONDS", nameof(StatusWorkflowOptions.Interval), Seconds((o, v) => o.Interval = v)),
        new("INTERVAL_MINUTES", nameof(StatusWorkflowOptions.Interval), Minutes((o, v) => o.Interval = v)),
        new("MAX_BATCHES_PER_RUN", nameof(StatusWorkflowOptions.MaxBatchesPerRun), Int((o, v) => o.MaxBatchesPerRun = v)),
        new("MAX_INSTANCES", nameof(StatusWorkflowOptions.MaxInstances), Int((o, v) => o.MaxInstances = v)),
        new("MISFIRE_GRACE_SECONDS", nameof(StatusWorkflowOptions.MisfireGraceTime), Seconds((o, v) => o.MisfireGraceTime = v)),
        new("COALESCE", nameof(StatusWorkflowOptions.Coalesce), Bool((o, v) => o.Coalesce = v)),
        new("JITTER_SECONDS", nameof(StatusWorkflowOptions.StartJitter), Seconds((o, v) => o.StartJitter = v)),
        new("MAX_CONSECUTIVE_FAILURES", nameof(StatusWorkflowOptions.MaxConsecutiveFailures), Int((o, v) => o.MaxConsecutiveFailures = v)),
        new("FAILURE_BACKOFF_SECONDS", nameof(StatusWorkflowOptions.FailureBackoff), Seconds((o, v) => o.FailureBackoff = v)),
        new("MODE", nameof(StatusWorkflowOptions.Mode), Choice<ClaimMode>((o, v) => o.Mode = v)),
        new("LEASE_SECONDS", nameof(StatusWorkflowOptions.LeaseDuration), Seconds((o, v) => o.LeaseDuration = v)),
        new("LEASE_RENEWAL_SECONDS", nameof(StatusWorkflowOptions.LeaseRenewalInterval), Seconds((o, v) => o.LeaseRenewalInterval = v)),
        new("MAX_ATTEMPTS", nameof(StatusWorkflowOptions.MaxAttempts), Int((o, v) => o.MaxAttempts = v)),
        new("PARALLELISM", nameof(StatusWorkflowOptions.Parallelism), Int((o, v) => o.Parallelism = v)),
        new("ITEM_TIMEOUT_SECONDS", nameof(StatusWorkflowOptions.ItemTimeout), Seconds((o, v) => o.ItemTimeout = v)),
        new("RETRY_DELAY_SECONDS", nameof(StatusWorkflowOptions.RetryDelay), Seconds((o, v) => o.RetryDelay = v)),
        new("MAX_RETRY_DELAY_SECONDS", nameof(StatusWorkflowOptions.MaxRetryDelay), Seconds((o, v) => o.MaxRetryDelay = v)),
        new("DOCTOR", nameof(StatusWorkflowOptions.Doctor), Choice<DoctorMode>((o, v) => o.Doctor = v)),
        new("WAKE_UP", nameof(StatusWorkflowOptions.WakeUp), Bool((o, v) => o.WakeUp = v)),
    ];
}
