using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// Counts every workflow's rows by status in ONE statement, so all counts come from one snapshot: work that one
/// workflow creates for another (a discovered sitemap file) is never missed between two queries, which is what
/// makes "drained" trustworthy.
/// </summary>
public sealed class JobQueueCounter(JobCatalog catalog, IServiceScopeFactory scopes)
{
    private string? _sql;

    /// <summary>Gets the table and status column of a workflow, as the EF Core model maps them.</summary>
    public static (string Table, string Column) Locate(IModel model, WorkflowEntry workflow)
    {
        var entity = model.FindEntityType(workflow.EntityType)!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        return (entity.GetTableName()!, entity.FindProperty(workflow.StatusProperty)!.GetColumnName(table)!);
    }

    /// <summary>Counts the rows of every workflow, keyed by workflow name.</summary>
    public async Task<IReadOnlyDictionary<string, QueueCounts>> CountAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ScraperSkyDb>();
        var workflows = catalog.Jobs.SelectMany(j => j.Workflows).ToList();
        _sql ??= BuildSql(db.Model, workflows);

        var counts = workflows.ToDictionary(w => w.Name, _ => default(QueueCounts));
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = _sql;
            await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var workflow = workflows[reader.GetInt32(0)];
                var label = reader.GetString(1);
                var n = reader.GetInt64(2);
                var c = counts[workflow.Name];
                counts[workflow.Name] = label == workflow.Queued ? c with { Queued = c.Queued + n }
                    : label == workflow.Processing ? c with { Processing = c.Processing + n }
                    : label == workflow.Completed ? c with { Completed = c.Completed + n }
                    : label == workflow.Error ? c with { Error = c.Error + n }
                    : c;
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return counts;
    }

    /// <summary>Sums the workflow counts of each job, keyed by job id.</summary>
    public async Task<IReadOnlyDictionary<string, QueueCounts>> CountByJobAsync(CancellationToken cancellationToken)
    {
        var byWorkflow = await CountAsync(cancellationToken);
        return catalog.Jobs.ToDictionary(j => j.JobId, j => j.Workflows.Aggregate(default(QueueCounts), (sum, w) => sum + byWorkflow[w.Name]));
    }

    private static string BuildSql(IModel model, IReadOnlyList<WorkflowEntry> workflows)
    {
        var sql = new StringBuilder();
        for (var i = 0; i < workflows.Count; i++)
        {
            var (table, column) = Locate(model, workflows[i]);
            if (i > 0)
            {
                sql.Append(" UNION ALL ");
            }

            sql.Append($"SELECT {i}, \"{column}\"::text, count(*) FROM \"{table}\" WHERE \"{column}\" IS NOT NULL GROUP BY 2");
        }

        return sql.ToString();
    }
}
