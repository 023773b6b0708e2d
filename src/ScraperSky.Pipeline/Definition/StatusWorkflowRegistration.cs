namespace ScraperSky.Pipeline.Definition;

/// <summary>
/// What <c>AddStatusWorkflow</c> recorded, frozen when registration ends: CLR types and property names only.
/// The database-facing <see cref="WorkflowDefinition"/> is resolved from it and the EF Core model at start-up.
/// </summary>
internal sealed record StatusWorkflowRegistration(
    string Name,
    Type ContextType,
    Type EntityType,
    Type StatusType,
    string StatusProperty,
    StatusValues Values,
    string? ErrorTextProperty,
    Type ProcessorType);

/// <summary>The four user-chosen status values of a workflow, boxed (their CLR type is the workflow's TStatus).</summary>
internal sealed record StatusValues(object Queued, object Processing, object Completed, object Error)
{
    public IEnumerable<(string Role, object Value)> ByRole()
    {
        yield return ("queued", Queued);
        yield return ("processing", Processing);
        yield return ("completed", Completed);
        yield return ("error", Error);
    }
}
