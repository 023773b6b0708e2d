using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Hosting;

/// <summary>
/// One run of a workflow group's job: each member workflow's loop in turn, in registration order. A member that fails
/// does not stop the others; the run then fails with an <see cref="AggregateException"/> naming every member that
/// failed. Stopping the host ends the run between members.
/// </summary>
internal sealed class WorkflowGroupRun(StatusWorkflowGroupRegistration group, IReadOnlyList<WorkflowGroupRun.GroupMember> members)
{
    public IReadOnlyList<GroupMember> Members => members;

    /// <summary>Runs every member; returns the rows they claimed in all (each member's count is in the run's result).</summary>
    public async Task<int> RunAsync(ScheduledJobContext context)
    {
        var total = 0;
        var failures = new List<(string Workflow, Exception Error)>();
        foreach (var member in members)
        {
            if (context.StoppingToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                total += await member.RunAsync(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.StoppingToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                failures.Add((member.Workflow, ex));
            }
        }

        if (failures.Count > 0)
        {
            var names = string.Join(", ", failures.Select(f => "'" + f.Workflow + "'"));
            throw new AggregateException(
                $"Status workflow group '{group.Id}': {failures.Count} of {members.Count} members failed: {names}.",
                failures.Select(f => f.Error));
        }

        return total;
    }

    /// <summary>A member workflow and its run (the workflow's loop, reporting its items to the context).</summary>
    /// <param name="Workflow">The workflow's name.</param>
    /// <param name="RunAsync">Runs its loop once; returns the rows claimed.</param>
    internal sealed record GroupMember(string Workflow, Func<ScheduledJobContext, Task<int>> RunAsync);
}
