namespace ScraperSky.Pipeline.Definition;

/// <summary>
/// What <c>AddStatusWorkflowGroup</c> recorded: the group's id (its job id unless its <c>Schedule:JobId</c> says
/// otherwise, the name of its settings, the source of its environment prefix) and its member workflows, in the order
/// one run of the group's job runs them.
/// </summary>
/// <param name="Id">The group's id.</param>
/// <param name="Members">The member workflows' names, in run order.</param>
internal sealed record StatusWorkflowGroupRegistration(string Id, IReadOnlyList<string> Members)
{
    /// <summary>How messages name the group.</summary>
    public string Description => $"status workflow group '{Id}'";
}
