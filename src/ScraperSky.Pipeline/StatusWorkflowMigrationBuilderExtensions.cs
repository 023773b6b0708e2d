using ScraperSky.Pipeline;

namespace Microsoft.EntityFrameworkCore.Migrations;

/// <summary>Emits a status workflow's scripts (<see cref="StatusWorkflowScripts"/>) from an EF Core migration.</summary>
public static class StatusWorkflowMigrationBuilderExtensions
{
    /// <summary>
    /// Adds the script to the migration, outside the migration's transaction when PostgreSQL requires it
    /// (<c>CREATE INDEX CONCURRENTLY</c>). Paste the script's text into the migration when you generate it, so that the
    /// migration stays the same when the workflow changes later: <c>migrationBuilder.StatusWorkflowScript(new("…", """…""", true))</c>.
    /// </summary>
    /// <param name="migrationBuilder">The migration.</param>
    /// <param name="script">The script, from <see cref="StatusWorkflowScripts"/>.</param>
    /// <returns>The builder, so that calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="migrationBuilder"/> or <paramref name="script"/> is null.</exception>
    public static MigrationBuilder StatusWorkflowScript(this MigrationBuilder migrationBuilder, StatusWorkflowScript script)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        ArgumentNullException.ThrowIfNull(script);
        migrationBuilder.Sql(script.Sql, suppressTransaction: script.RequiresNoTransaction);
        return migrationBuilder;
    }
}
