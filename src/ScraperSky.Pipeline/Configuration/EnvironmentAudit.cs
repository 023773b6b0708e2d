namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// Finds <c>*_SCHEDULER_*</c> environment variables that no workflow reads: a known setting whose prefix matches no
/// workflow (a renamed workflow, a typo in the prefix), or a known prefix with an unknown setting (a typo in the
/// setting). Either is worth a warning at start-up, never a failure: the variable may belong to another program.
/// </summary>
internal static class EnvironmentAudit
{
    public static IEnumerable<Finding> Find(IEnumerable<string> variables, IReadOnlyCollection<WorkflowEnvironment> workflows)
    {
        var suffixes = WorkflowSettings.Environment.Select(s => s.Suffix).ToHashSet(StringComparer.Ordinal);
        foreach (var variable in variables.Order(StringComparer.Ordinal))
        {
            var marker = variable.IndexOf(WorkflowEnvironment.Marker, StringComparison.Ordinal);
            if (marker <= 0)
            {
                continue;
            }

            var owner = workflows.FirstOrDefault(w => variable.StartsWith(w.Prefix + WorkflowEnvironment.Marker, StringComparison.Ordinal));
            if (owner is not null)
            {
                if (!suffixes.Contains(variable[(owner.Prefix.Length + WorkflowEnvironment.Marker.Length)..]))
                {
                    yield return new Finding(variable, owner.Workflow);
                }

                continue;
            }

            if (suffixes.Contains(variable[(marker + WorkflowEnvironment.Marker.Length)..]))
            {
                yield return new Finding(variable, Workflow: null);
            }
        }
    }

    /// <summary>An unread variable; <see cref="Workflow"/> is set when the prefix is known but the setting is not.</summary>
    internal sealed record Finding(string Variable, string? Workflow);
}
