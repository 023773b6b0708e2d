using ScraperSky.Pipeline.History;

namespace ScraperSky.Pipeline;

/// <summary>The SQL of the pipeline history's tables, for your migrations (<c>migrationBuilder.StatusWorkflowScript(…)</c>).</summary>
public static class PipelineHistoryScripts
{
    /// <summary>
    /// Returns the idempotent DDL of the history: <c>CREATE SCHEMA IF NOT EXISTS</c>, the per-minute table and the
    /// failure-group table with their retention indexes, in one transaction. Running it twice does what running it once did.
    /// </summary>
    /// <param name="schema">The schema's name; <see cref="PipelineHistoryOptions.DefaultSchema"/> unless configured otherwise.</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException"><paramref name="schema"/> is empty or white space.</exception>
    public static StatusWorkflowScript Schema(string schema = PipelineHistoryOptions.DefaultSchema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        return new StatusWorkflowScript(schema + ".history", new HistorySql(schema).Ddl, requiresNoTransaction: false);
    }
}
