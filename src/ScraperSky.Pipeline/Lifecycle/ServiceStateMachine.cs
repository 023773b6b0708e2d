namespace ScraperSky.Pipeline.Lifecycle;

/// <summary>The valid transitions of a <see cref="PipelineService"/>; anything else is a caller's mistake and is rejected.</summary>
internal static class ServiceStateMachine
{
    private static readonly HashSet<(PipelineServiceState From, PipelineServiceState To)> Valid =
    [
        (PipelineServiceState.Created, PipelineServiceState.Starting),
        (PipelineServiceState.Starting, PipelineServiceState.Running),
        (PipelineServiceState.Starting, PipelineServiceState.Stopping),
        (PipelineServiceState.Starting, PipelineServiceState.Faulted),
        (PipelineServiceState.Running, PipelineServiceState.Paused),
        (PipelineServiceState.Paused, PipelineServiceState.Running),
        (PipelineServiceState.Running, PipelineServiceState.Stopping),
        (PipelineServiceState.Paused, PipelineServiceState.Stopping),
        (PipelineServiceState.Running, PipelineServiceState.Faulted),
        (PipelineServiceState.Paused, PipelineServiceState.Faulted),
        (PipelineServiceState.Stopping, PipelineServiceState.Stopped),
    ];

    public static bool IsValid(PipelineServiceState from, PipelineServiceState to) => Valid.Contains((from, to));

    public static InvalidOperationException Invalid(string service, PipelineServiceState from, PipelineServiceState to, string action)
    {
        var next = Valid.Where(t => t.From == from).Select(t => t.To.ToString()).ToList();
        var allowed = next.Count == 0 ? $"{from} is final" : $"from {from} it can only go to {string.Join(" or ", next)}";
        return new InvalidOperationException($"Pipeline service '{service}' cannot {action}: it is {from}, and {from} -> {to} is not a valid transition ({allowed}).");
    }
}
