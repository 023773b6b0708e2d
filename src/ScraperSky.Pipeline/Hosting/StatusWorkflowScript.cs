namespace ScraperSky.Pipeline;

/// <summary>
/// One named, idempotent SQL script a workflow asks of its table (an index, its wake-up trigger, or the trigger's
/// removal), for a migration: running it twice does what running it once did.
/// </summary>
public sealed class StatusWorkflowScript
{
    /// <summary>Initializes a script (a migration re-creates one from the text it was generated with).</summary>
    /// <param name="name">What the script creates or removes, such as <c>scrapersky_process_pending_domains_claim</c>.</param>
    /// <param name="sql">The statements.</param>
    /// <param name="requiresNoTransaction">Whether the script must run outside a transaction (<c>CREATE INDEX CONCURRENTLY</c>).</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="sql"/> is empty.</exception>
    public StatusWorkflowScript(string name, string sql, bool requiresNoTransaction)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        Name = name;
        Sql = sql;
        RequiresNoTransaction = requiresNoTransaction;
    }

    /// <summary>Gets what the script creates or removes.</summary>
    public string Name { get; }

    /// <summary>Gets the statements.</summary>
    public string Sql { get; }

    /// <summary>
    /// Gets whether the script must run outside a transaction (<c>CREATE INDEX CONCURRENTLY</c>): in an EF Core migration,
    /// emit it with <c>migrationBuilder.StatusWorkflowScript(script)</c>, which suppresses the migration's transaction for it.
    /// </summary>
    public bool RequiresNoTransaction { get; }

    /// <inheritdoc />
    public override string ToString() => Sql;
}
