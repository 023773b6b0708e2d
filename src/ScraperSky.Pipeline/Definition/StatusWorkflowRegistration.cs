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
    Type ProcessorType)
{
    /// <summary>The lease-mode columns, when <c>Lease(…)</c> was called.</summary>
    public LeaseProperties? Lease { get; init; }

    /// <summary>The optional next-attempt property (retry back-off and snooze).</summary>
    public string? NextAttemptProperty { get; init; }

    /// <summary>The optional updated-at property, set to the current time by every claim and outcome.</summary>
    public string? UpdatedAtProperty { get; init; }

    /// <summary>The claim order before the key (which always ends the order).</summary>
    public IReadOnlyList<(string Property, bool Descending)> OrderBy { get; init; } = [];

    /// <summary>The optional claim filter, translated to SQL at start-up.</summary>
    public System.Linq.Expressions.LambdaExpression? Filter { get; init; }
}

/// <summary>The properties lease mode writes: attempts, lease expiry and the claim token.</summary>
internal sealed record LeaseProperties(string Attempts, string LeaseExpiresAt, string ClaimedBy);

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
