using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The doctor's index statements, in a form PostgreSQL accepts: <c>CREATE INDEX CONCURRENTLY</c> on a plain table; on a
/// partitioned one, which refuses CONCURRENTLY on its parent, an index on the parent only, one built concurrently per
/// partition, each attached — or, where blocking writes while it builds is acceptable, one plain statement on the parent.
/// </summary>
internal sealed class IndexHints(WorkflowDefinition definition, IReadOnlyList<(string Schema, string Name)> partitions)
{
    private const int MaxIdentifierLength = 63;

    /// <summary>The statements, each ending with a semicolon, that create an index <paramref name="body"/> (columns and predicate).</summary>
    /// <param name="purpose">What the index serves, for the names of partition indexes.</param>
    /// <param name="body">The index's columns and predicate.</param>
    /// <param name="name">The index's name on a plain table (the name <c>StatusWorkflowScripts</c> gives it).</param>
    public string Create(string purpose, string body, string name)
    {
        if (partitions.Count == 0)
        {
            return $"CREATE INDEX CONCURRENTLY IF NOT EXISTS {SqlIdentifier.Quote(name)} ON {definition.Table} {body};";
        }

        var schema = definition.StoreObject.Schema;
        var parentIndex = Name(definition.StoreObject.Name, purpose);
        var statements = new List<string> { $"CREATE INDEX IF NOT EXISTS {SqlIdentifier.Quote(parentIndex)} ON ONLY {definition.Table} {body};" };
        foreach (var (partitionSchema, partition) in partitions)
        {
            var index = Name(partition, purpose);
            statements.Add($"CREATE INDEX CONCURRENTLY IF NOT EXISTS {SqlIdentifier.Quote(index)} ON {SqlIdentifier.Qualify(partitionSchema, partition)} {body};");
            statements.Add($"ALTER INDEX {SqlIdentifier.Qualify(schema, parentIndex)} ATTACH PARTITION {SqlIdentifier.Qualify(partitionSchema, index)};");
        }

        return $"{definition.TableDisplayName} is partitioned, and PostgreSQL builds no index concurrently on a partitioned parent: " +
            $"{string.Join(" ", statements)} (or, if blocking writes while it builds is acceptable, one plain create index on the parent without concurrently);";
    }

    private static string Name(string table, string purpose)
    {
        var suffix = "_" + purpose;
        return table.Length + suffix.Length <= MaxIdentifierLength ? table + suffix : table[..(MaxIdentifierLength - suffix.Length)] + suffix;
    }
}
