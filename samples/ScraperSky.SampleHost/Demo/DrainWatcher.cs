using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Demo;

/// <summary>
/// Waits until every workflow is drained: nothing queued or processing, in ONE statement over all their tables. Work
/// moves between tables (a discovered sitemap file is queued in the transaction that completes its domain), so counts
/// taken one table at a time could miss a row in flight; one statement sees one snapshot, which is what makes "drained"
/// trustworthy. The tables, status columns and values come from the library's catalog.
/// </summary>
public static class DrainWatcher
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Returns <see langword="true"/> once drained, <see langword="false"/> when <paramref name="timeout"/> passes or <paramref name="cancellationToken"/> fires first.</summary>
    public static async Task<bool> WaitAsync(IServiceProvider services, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ScraperSkyDb>();
        var (sql, values) = BuildSql(db.Model, services.GetRequiredService<IPipelineCatalog>().GetWorkflows());
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            do
            {
                if (await db.Database.SqlQueryRaw<long>(sql, values).SingleAsync(deadline.Token) == 0)
                {
                    return true;
                }
            }
            while (await timer.WaitForNextTickAsync(deadline.Token));
        }
        catch (OperationCanceledException)
        {
            // The timeout passed, or the host is stopping (Ctrl+C): report "not drained", the caller prints what is.
        }

        return false;
    }

    private static (string Sql, object[] Values) BuildSql(IModel model, IReadOnlyList<StatusWorkflowInfo> workflows)
    {
        var counts = new List<string>();
        var values = new List<object>();
        foreach (var workflow in workflows)
        {
            var entity = model.FindEntityType(workflow.EntityType)!;
            var table = entity.GetSchema() is { } schema ? $"{Quote(schema)}.{Quote(entity.GetTableName()!)}" : Quote(entity.GetTableName()!);
            counts.Add($"(SELECT count(*) FROM {table} WHERE {Quote(workflow.StatusColumn)}::text IN ({{{values.Count}}}, {{{values.Count + 1}}}))");
            values.Add(workflow.Values[StatusRole.Queued]);
            values.Add(workflow.Values[StatusRole.Processing]);
        }

        return ($"SELECT {string.Join(" + ", counts)} AS \"Value\"", [.. values]);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
