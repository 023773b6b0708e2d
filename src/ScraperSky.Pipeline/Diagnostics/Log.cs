using Microsoft.Extensions.Logging;

namespace ScraperSky.Pipeline.Diagnostics;

/// <summary>
/// Every log event of the library, source-generated, with stable event ids (1xxx workflows, 2xxx scheduler,
/// 3xxx lifecycle, 4xxx maintenance, 5xxx wake-up, 6xxx cluster, 7xxx history). The workflow name is in every
/// workflow event.
/// </summary>
internal static partial class Log
{
    // Scheduler (2xxx): the shared scheduler and its jobs; 21xx: workflow settings and the environment.
    [LoggerMessage(2000, LogLevel.Information, "Job scheduler started with {JobCount} jobs.")]
    public static partial void SchedulerStarted(ILogger logger, int jobCount);

    [LoggerMessage(2001, LogLevel.Information, "Job '{JobId}' ({Description}) scheduled {Schedule}, at most {MaxInstances} at once; next run {NextRun:O}.")]
    public static partial void JobScheduled(ILogger logger, string jobId, string description, string schedule, DateTimeOffset nextRun, int maxInstances);

    [LoggerMessage(2002, LogLevel.Error, "Job '{JobId}' ({Description}) failed.")]
    public static partial void JobFailed(ILogger logger, Exception exception, string jobId, string description);

    [LoggerMessage(2003, LogLevel.Warning, "Job '{JobId}': {MissedCount} run(s) from {ScheduledTime:O} missed: due longer ago than the misfire grace time of {MisfireGraceTime}.")]
    public static partial void JobMissed(ILogger logger, string jobId, DateTimeOffset scheduledTime, long missedCount, TimeSpan misfireGraceTime);

    // Debug: a job that drains its queue often outlasts its interval, and then skipping is its normal state.
    [LoggerMessage(2004, LogLevel.Debug, "Job '{JobId}': run due {ScheduledTime:O} skipped: {MaxInstances} instance(s) already running.")]
    public static partial void JobSkipped(ILogger logger, string jobId, DateTimeOffset scheduledTime, int maxInstances);

    [LoggerMessage(2005, LogLevel.Warning, "Job '{JobId}' failed {Failures} times in a row and is backing off: next run in {Delay}, at {NextRun:O}; it reports unhealthy until a run succeeds.")]
    public static partial void JobBackingOff(ILogger logger, string jobId, int failures, TimeSpan delay, DateTimeOffset nextRun);

    [LoggerMessage(2006, LogLevel.Information, "Job '{JobId}' recovered after {Failures} failed runs; next run {NextRun:O}.")]
    public static partial void JobRecovered(ILogger logger, string jobId, int failures, DateTimeOffset nextRun);

    [LoggerMessage(2007, LogLevel.Information, "Job '{JobId}' paused.")]
    public static partial void JobPaused(ILogger logger, string jobId);

    [LoggerMessage(2008, LogLevel.Information, "Job '{JobId}' resumed; next run {NextRun:O}.")]
    public static partial void JobResumed(ILogger logger, string jobId, DateTimeOffset nextRun);

    [LoggerMessage(2009, LogLevel.Information, "Job scheduler stopping: no new runs; waiting for {InFlight} run(s) in progress.")]
    public static partial void SchedulerStopping(ILogger logger, int inFlight);

    [LoggerMessage(2010, LogLevel.Information, "Job scheduler stopped.")]
    public static partial void SchedulerStopped(ILogger logger);

    [LoggerMessage(2011, LogLevel.Error, "A {EventName} handler of job '{JobId}' threw; the scheduler ignored it.")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception, string eventName, string jobId);

    [LoggerMessage(2012, LogLevel.Debug, "Job '{JobId}' executed: {Items} items in {ElapsedMs} ms.")]
    public static partial void JobExecuted(ILogger logger, string jobId, int items, double elapsedMs);

    [LoggerMessage(2013, LogLevel.Information, "Job '{JobId}' was cancelled by the host's shutdown.")]
    public static partial void JobCanceled(ILogger logger, string jobId);

    [LoggerMessage(2014, LogLevel.Warning, "Job scheduler: the host's shutdown timeout passed with {Running} run(s) still in progress; they were told to abort.")]
    public static partial void SchedulerShutdownTimedOut(ILogger logger, int running);

    [LoggerMessage(2015, LogLevel.Error, "Job '{JobId}' ({Description}) failed {Failures} times in a row and has stopped (OnRepeatedFailure = Stop); it reports unhealthy until the host restarts.")]
    public static partial void JobFaulted(ILogger logger, string jobId, string description, int failures);

    [LoggerMessage(2016, LogLevel.Information, "Job '{JobId}' is retried in {RetryDelay}, at {NextRun:O}.")]
    public static partial void JobRetrying(ILogger logger, string jobId, TimeSpan retryDelay, DateTimeOffset nextRun);

    [LoggerMessage(2100, LogLevel.Information, "Status workflow '{Workflow}' settings (environment prefix {Prefix}): {Settings}")]
    public static partial void WorkflowSettings(ILogger logger, string workflow, string prefix, string settings);

    [LoggerMessage(2101, LogLevel.Warning, "Environment variable {Variable} names no status workflow: its prefix matches none of {Prefixes}; it is ignored.")]
    public static partial void EnvironmentVariableMatchesNoWorkflow(ILogger logger, string variable, string prefixes);

    [LoggerMessage(2102, LogLevel.Warning, "Environment variable {Variable} names no setting of status workflow '{Workflow}'; it is ignored. Known settings: {Known}.")]
    public static partial void EnvironmentVariableUnknownSetting(ILogger logger, string variable, string workflow, string known);

    [LoggerMessage(2103, LogLevel.Warning, "Configuration key {Key} names no setting of status workflow '{Workflow}'; it is ignored. Known settings: {Known}.")]
    public static partial void ConfigurationKeyUnknownSetting(ILogger logger, string key, string workflow, string known);

    [LoggerMessage(2104, LogLevel.Warning, "Configuration section {Section} names no status workflow: it matches none of {Workflows}; it is ignored.")]
    public static partial void ConfigurationSectionMatchesNoWorkflow(ILogger logger, string section, string workflows);

    // Lifecycle (3xxx): scheduled services and the once-only hooks of jobs. 3001-3004 and 3008 are retired (a service's
    // updates, pauses and recoveries are its job's: 2002, 2005-2008, 2015, 2016).
    [LoggerMessage(3000, LogLevel.Information, "Scheduled service '{JobId}' configured; it updates {Schedule}.")]
    public static partial void ServiceConfigured(ILogger logger, string jobId, string schedule);

    [LoggerMessage(3005, LogLevel.Information, "Job '{JobId}' ({Description}) cleaned up.")]
    public static partial void JobCleanedUp(ILogger logger, string jobId, string description);

    [LoggerMessage(3006, LogLevel.Error, "Job '{JobId}' ({Description}): cleanup failed.")]
    public static partial void JobCleanupFailed(ILogger logger, Exception exception, string jobId, string description);

    [LoggerMessage(3007, LogLevel.Error, "Scheduled service '{JobId}': configuration failed; the host does not start.")]
    public static partial void ServiceConfigureFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(1000, LogLevel.Information, "Status workflow '{Workflow}' started: table {Table}, status column {StatusColumn} stored as {StatusStorage}, batch size {BatchSize}, scheduled {Schedule}.")]
    public static partial void WorkflowStarted(ILogger logger, string workflow, string table, string statusColumn, string statusStorage, int batchSize, string schedule);

    [LoggerMessage(1001, LogLevel.Information, "Status workflow '{Workflow}' run finished: {Claimed} claimed, {Completed} completed, {Failed} failed in {Batches} batches, {ElapsedMs} ms.")]
    public static partial void RunFinished(ILogger logger, string workflow, int claimed, int completed, int failed, int batches, double elapsedMs);

    [LoggerMessage(1002, LogLevel.Debug, "Status workflow '{Workflow}' run finished with nothing queued.")]
    public static partial void RunFoundNothing(ILogger logger, string workflow);

    [LoggerMessage(1003, LogLevel.Warning, "Status workflow '{Workflow}': item {Key} failed: {Reason}")]
    public static partial void ItemFailed(ILogger logger, Exception exception, string workflow, object? key, string reason);



    [LoggerMessage(1030, LogLevel.Information, "Status workflow group '{Group}' started as job '{JobId}': members {Members}, run in this order, scheduled {Schedule}.")]
    public static partial void WorkflowGroupStarted(ILogger logger, string group, string jobId, string members, string schedule);

    [LoggerMessage(1006, LogLevel.Information, "Status workflow '{Workflow}' is disabled; it will not claim.")]
    public static partial void WorkflowDisabled(ILogger logger, string workflow);

    [LoggerMessage(1007, LogLevel.Warning, "Status workflow '{Workflow}': the database could not be reached to check the table at start-up; the check runs again before the first claim.")]
    public static partial void SchemaCheckDeferred(ILogger logger, Exception exception, string workflow);

    [LoggerMessage(1008, LogLevel.Warning, "Status workflow '{Workflow}': item {Key} timed out after {Timeout}.")]
    public static partial void ItemTimedOut(ILogger logger, string workflow, object? key, TimeSpan timeout);

    [LoggerMessage(1009, LogLevel.Warning, "Status workflow '{Workflow}': a claimed row could not be read; reading the batch row by row so that only unreadable rows fail.")]
    public static partial void UnreadableRowInBatch(ILogger logger, Exception exception, string workflow);

    [LoggerMessage(1010, LogLevel.Warning, "Status workflow '{Workflow}': the outcome of item {Key} was refused because its lease had expired and the row was rescued; its work was discarded.")]
    public static partial void LeaseLost(ILogger logger, string workflow, object? key);

    [LoggerMessage(1011, LogLevel.Error, "Status workflow '{Workflow}': writing item {Key}'s outcome failed; nothing of the item committed, and the attempt counts as failed (queued again while attempts remain; if the database is gone, rescued when its lease expires).")]
    public static partial void ItemInfrastructureFailed(ILogger logger, Exception exception, string workflow, object? key);

    [LoggerMessage(4000, LogLevel.Information, "Status workflow '{Workflow}': rescued {Requeued} expired leases back to the queue and ended {Failed} as error after their last attempt.")]
    public static partial void LeasesRescued(ILogger logger, string workflow, int requeued, int failed);

    [LoggerMessage(4001, LogLevel.Warning, "Status workflow '{Workflow}' doctor: {Finding}")]
    public static partial void DoctorFinding(ILogger logger, string workflow, string finding);

    [LoggerMessage(4002, LogLevel.Warning, "Status workflow '{Workflow}': {Count} rows have status {Status}, which is not one of the workflow's four values; they are left untouched and never claimed.")]
    public static partial void UnknownStatus(ILogger logger, string workflow, string status, long count);

    [LoggerMessage(5000, LogLevel.Information, "Wake-up: listening for queued rows of {Workflows}.")]
    public static partial void WakeUpListening(ILogger logger, string workflows);

    [LoggerMessage(5001, LogLevel.Warning, "Wake-up: the listening connection for {Workflows} failed; reconnecting in {Delay}, then claiming once to catch up. Polling continues meanwhile.")]
    public static partial void WakeUpConnectionLost(ILogger logger, Exception exception, string workflows, TimeSpan delay);

    [LoggerMessage(5002, LogLevel.Warning, "Wake-up: the connection for {Workflows} goes through a transaction-mode pooler, where LISTEN cannot work; those workflows poll only. Set WakeUp:ConnectionString to a direct connection to wake them.")]
    public static partial void WakeUpBehindPooler(ILogger logger, string workflows);

    [LoggerMessage(5003, LogLevel.Information, "Status workflow '{Workflow}': installed its wake-up trigger.")]
    public static partial void WakeUpTriggerInstalled(ILogger logger, string workflow);

    [LoggerMessage(1012, LogLevel.Warning, "Status workflow '{Workflow}': item {Key} could not start (no database session); it goes back to the queue with its attempt given back.")]
    public static partial void ItemNotStarted(ILogger logger, Exception exception, string workflow, object? key);

    [LoggerMessage(1013, LogLevel.Warning, "Status workflow '{Workflow}': renewing the leases of {Held} held rows failed; the keeper tries again at its next interval.")]
    public static partial void LeaseRenewalFailed(ILogger logger, Exception exception, string workflow, int held);

    [LoggerMessage(1014, LogLevel.Error, "Status workflow '{Workflow}': {Count} outcomes could not be written; their rows stay processing until their leases run out, then the rescuer returns them and counts the attempt.")]
    public static partial void OutcomesNotWritten(ILogger logger, Exception exception, string workflow, int count);

    [LoggerMessage(1015, LogLevel.Error, "Status workflow '{Workflow}': the database refused item {Key}'s outcome; the attempt counts as failed and the row becomes {Replacement}.")]
    public static partial void OutcomeRefused(ILogger logger, Exception exception, string workflow, object? key, string replacement);

    [LoggerMessage(1016, LogLevel.Error, "Status workflow '{Workflow}': item {Key}'s processor ignored its cancellation and was abandoned; its transaction was ended on the server (backend {Backend}: {Ended}) and its session refuses further commands.")]
    public static partial void ItemAbandoned(ILogger logger, Exception? exception, string workflow, object? key, int? backend, bool ended);

    [LoggerMessage(1017, LogLevel.Information, "Status workflow '{Workflow}': the run stopped at Batch:MaxPerRun ({MaxBatches}) with rows still queued; it runs again at once.")]
    public static partial void RunAgainWithBacklog(ILogger logger, string workflow, int maxBatches);

    [LoggerMessage(1018, LogLevel.Warning, "Status workflow '{Workflow}': an atomic batch's transaction broke ({Count} rows; an item may have ended it, or made its commit fail); it was rolled back and its rows run alone to find the one that breaks it. If the transaction was ended on the way, its batch-mates may have been taken by another host meanwhile.")]
    public static partial void AtomicBatchBroken(ILogger logger, Exception exception, string workflow, int count);

    [LoggerMessage(1019, LogLevel.Warning, "Status workflow '{Workflow}': item {Key} broke its own transaction (failure {Failures}; ended as error: {Ended}): {Reason}")]
    public static partial void ItemBrokeItsTransaction(ILogger logger, string workflow, object? key, int failures, bool ended, string reason);

    [LoggerMessage(1020, LogLevel.Warning, "Status workflow '{Workflow}': the server's {Setting} ({Value}) is shorter than ItemTimeout ({ItemTimeout}); an atomic batch keeps one transaction open across its items, so a slow item would break every batch. Raise the setting for the workflow's role or database, or lower ItemTimeout.")]
    public static partial void ServerTimeoutShorterThanItemTimeout(ILogger logger, string workflow, string setting, TimeSpan value, TimeSpan itemTimeout);

    [LoggerMessage(5004, LogLevel.Warning, "Status workflow '{Workflow}': {Problem}")]
    public static partial void WakeUpTriggerProblem(ILogger logger, string workflow, string problem);

    [LoggerMessage(4003, LogLevel.Warning, "Status workflow '{Workflow}': at least {Count} rows have status {Status}, which is not one of the workflow's four values (counted in a sample of {Sample} such rows; the table holds more); they are left untouched and never claimed.")]
    public static partial void UnknownStatusSampled(ILogger logger, string workflow, string status, long count, int sample);

    [LoggerMessage(1021, LogLevel.Information, "Status workflow '{Workflow}': claimed rows are read through EF Core's query, which is slower than the workflow's own row reader, because {Reason}; items are tracked by the session from the start.")]
    public static partial void ClaimReadByEfCore(ILogger logger, string workflow, string reason);

    // Operations from code (11xx): the queue API's bulk operations; who asked is the caller's to log.
    [LoggerMessage(1100, LogLevel.Information, "Status workflow '{Workflow}': {Operation} took {Count} rows ({Scope}).")]
    public static partial void BulkOperation(ILogger logger, string workflow, string operation, long count, string scope);

    // Cluster (6xxx): the hosts that share the cluster's schema, run keys, slots and cluster-wide pauses.
    [LoggerMessage(6000, LogLevel.Information, "Pipeline cluster: host {HostId} on {MachineName} joined through schema {Schema} (version {SchemaVersion}); heartbeat every {HeartbeatInterval}, pauses read every {PauseCheckInterval}.")]
    public static partial void ClusterJoined(ILogger logger, string hostId, string machineName, string schema, int schemaVersion, TimeSpan heartbeatInterval, TimeSpan pauseCheckInterval);

    [LoggerMessage(6001, LogLevel.Information, "Pipeline cluster: host {HostId} left (its heartbeat row is removed).")]
    public static partial void ClusterLeft(ILogger logger, string hostId);

    [LoggerMessage(6002, LogLevel.Debug, "Job '{JobId}': run due {ScheduledTime:O} skipped: {Reason}")]
    public static partial void JobSkippedByCluster(ILogger logger, string jobId, DateTimeOffset scheduledTime, string reason);

    [LoggerMessage(6003, LogLevel.Information, "Job '{JobId}' paused on this host by a cluster-wide pause.")]
    public static partial void ClusterPauseApplied(ILogger logger, string jobId);

    [LoggerMessage(6004, LogLevel.Information, "Job '{JobId}' resumed on this host: its cluster-wide pause was lifted.")]
    public static partial void ClusterPauseLifted(ILogger logger, string jobId);

    [LoggerMessage(6005, LogLevel.Warning, "Job '{JobId}': renewing its cluster slot {Slot} failed or found it taken; the run goes on, and another host may start a run while this one lasts.")]
    public static partial void ClusterSlotLost(ILogger logger, Exception? exception, string jobId, int slot);

    [LoggerMessage(6006, LogLevel.Warning, "Job '{JobId}': giving back its cluster slot {Slot} failed; the slot is free again when it expires.")]
    public static partial void ClusterSlotReleaseFailed(ILogger logger, Exception exception, string jobId, int slot);

    [LoggerMessage(6007, LogLevel.Warning, "Pipeline cluster: removing host {HostId}'s heartbeat row at stop failed; other hosts see it as not alive after three heartbeat intervals.")]
    public static partial void ClusterLeaveFailed(ILogger logger, Exception exception, string hostId);
    // History (7xxx): the per-minute rollup and failure groups in the library's schema.
    [LoggerMessage(7000, LogLevel.Information, "Pipeline history: recording {Workflows} into schema {Schema}, flushed once a minute, kept for {Retention}.")]
    public static partial void HistoryStarted(ILogger logger, string workflows, string schema, TimeSpan retention);

    [LoggerMessage(7001, LogLevel.Warning, "Pipeline history: writing {Minutes} workflow-minutes and {ErrorGroups} failure groups failed; they stay in memory and are written with the next flush.")]
    public static partial void HistoryWriteFailed(ILogger logger, Exception exception, int minutes, int errorGroups);

    [LoggerMessage(7002, LogLevel.Warning, "Pipeline history: {Count} unwritten minutes of workflow '{Workflow}' were dropped; the database has been unreachable for longer than the history keeps minutes in memory.")]
    public static partial void HistoryMinutesDropped(ILogger logger, string workflow, int count);

    [LoggerMessage(7003, LogLevel.Information, "Pipeline history: deleted {Minutes} workflow-minutes and {ErrorGroups} failure groups older than {Retention}.")]
    public static partial void HistoryRetentionApplied(ILogger logger, long minutes, long errorGroups, TimeSpan retention);

    [LoggerMessage(7004, LogLevel.Warning, "Pipeline history: applying the retention failed; it is tried again at the next flush.")]
    public static partial void HistoryRetentionFailed(ILogger logger, Exception exception);
}
