using Microsoft.Extensions.Options;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>Validates every workflow's named <see cref="StatusWorkflowOptions"/>; messages name the workflow and the setting.</summary>
internal sealed class StatusWorkflowOptionsValidator : IValidateOptions<StatusWorkflowOptions>
{
    private readonly Dictionary<string, Definition.StatusWorkflowRegistration> _workflows;

    public StatusWorkflowOptionsValidator(IEnumerable<Definition.StatusWorkflowRegistration> registrations)
        => _workflows = registrations.ToDictionary(r => r.Name, StringComparer.Ordinal);

    public ValidateOptionsResult Validate(string? name, StatusWorkflowOptions options)
    {
        if (name is null || !_workflows.TryGetValue(name, out var registration))
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

        if (options.Mode == ClaimMode.Lease && registration.Lease is null)
        {
            failures.Add($"Status workflow '{name}': Mode is Lease, but the workflow has no lease columns; call Lease(attempts, leaseExpiresAt, claimedBy) in its AddStatusWorkflow configuration.");
        }

        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add(Message(name, nameof(options.Mode), options.Mode, "must be AtomicBatch or Lease"));
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add(Message(name, nameof(options.MaxAttempts), options.MaxAttempts, "must be at least 1"));
        }

        if (options.Parallelism is < 1 or > StatusWorkflowOptions.MaxParallelism)
        {
            failures.Add(Message(name, nameof(options.Parallelism), options.Parallelism, $"must be between 1 and {StatusWorkflowOptions.MaxParallelism}"));
        }

        if (options.ItemTimeout <= TimeSpan.Zero)
        {
            failures.Add(Message(name, nameof(options.ItemTimeout), options.ItemTimeout, "must be more than zero"));
        }

        if (options.LeaseDuration <= TimeSpan.Zero || options.LeaseDuration > TimeSpan.FromDays(1))
        {
            failures.Add(Message(name, nameof(options.LeaseDuration), options.LeaseDuration, "must be more than zero and at most one day"));
        }
        else if (options.Mode == ClaimMode.Lease && options.LeaseDuration <= options.ItemTimeout)
        {
            failures.Add($"Status workflow '{name}': LeaseDuration ({options.LeaseDuration}) must be longer than ItemTimeout ({options.ItemTimeout}), or a lease could expire while its item still runs.");
        }

        if (options.RetryDelay < TimeSpan.Zero)
        {
            failures.Add(Message(name, nameof(options.RetryDelay), options.RetryDelay, "must be zero or more"));
        }

        if (options.MaxRetryDelay < options.RetryDelay)
        {
            failures.Add(Message(name, nameof(options.MaxRetryDelay), options.MaxRetryDelay, $"must be at least RetryDelay ({options.RetryDelay})"));
        }

        if (!Enum.IsDefined(options.Doctor))
        {
            failures.Add(Message(name, nameof(options.Doctor), options.Doctor, "must be Warn, Fail or Off"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Message(string workflow, string setting, object value, string rule)
        => $"Status workflow '{workflow}': {setting} {rule} (was {value}).";
}
