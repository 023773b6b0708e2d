using Microsoft.Extensions.Logging;

namespace ScraperSky.Pipeline.Diagnostics;

/// <summary>
/// Every log event of the library, source-generated, with stable event ids (1xxx workflows, 2xxx scheduler,
/// 3xxx lifecycle, 4xxx maintenance, 5xxx wake-up). The workflow name is in every workflow event.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Status workflow '{Workflow}' started: table {Table}, status column {StatusColumn} stored as {StatusStorage}, batch size {BatchSize}, interval {Interval}.")]
    public static partial void WorkflowStarted(ILogger logger, string workflow, string table, string statusColumn, string statusStorage, int batchSize, TimeSpan interval);

    [LoggerMessage(1001, LogLevel.Information, "Status workflow '{Workflow}' run finished: {Claimed} claimed, {Completed} completed, {Failed} failed in {Batches} batches, {ElapsedMs} ms.")]
    public static partial void RunFinished(ILogger logger, string workflow, int claimed, int completed, int failed, int batches, double elapsedMs);

    [LoggerMessage(1002, LogLevel.Debug, "Status workflow '{Workflow}' run finished with nothing queued.")]
    public static partial void RunFoundNothing(ILogger logger, string workflow);

    [LoggerMessage(1003, LogLevel.Warning, "Status workflow '{Workflow}': item {Key} failed: {Reason}")]
    public static partial void ItemFailed(ILogger logger, Exception exception, string workflow, object? key, string reason);

    [LoggerMessage(1004, LogLevel.Warning, "Status workflow '{Workflow}': item {Key} aborted the batch transaction with a command sent past the session; the batch was rolled back, the item marked as error, and the other items will be claimed again.")]
    public static partial void BatchAbortedByItem(ILogger logger, string workflow, object? key);

    [LoggerMessage(1005, LogLevel.Error, "Status workflow '{Workflow}' run failed.")]
    public static partial void RunFailed(ILogger logger, Exception exception, string workflow);

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

    [LoggerMessage(1011, LogLevel.Error, "Status workflow '{Workflow}': writing item {Key}'s outcome failed; the row stays claimed until its lease expires and the rescuer returns it.")]
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

    [LoggerMessage(5002, LogLevel.Warning, "Wake-up: the connection for {Workflows} goes through a transaction-mode pooler, where LISTEN cannot work; those workflows poll only. Set WakeUpConnectionString to a direct connection to wake them.")]
    public static partial void WakeUpBehindPooler(ILogger logger, string workflows);

    [LoggerMessage(5003, LogLevel.Information, "Status workflow '{Workflow}': installed its wake-up trigger.")]
    public static partial void WakeUpTriggerInstalled(ILogger logger, string workflow);
}
