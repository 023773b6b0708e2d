namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>A database of its own with the test tables created once; call <see cref="ResetAsync"/> at the start of each test.</summary>
public sealed class SchemaFixture : IAsyncLifetime
{
    public DatabaseFixture Database { get; } = new();

    public string ConnectionString => Database.ConnectionString;

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        await Database.ExecuteAsync(TestSchema.Ddl);
    }

    public Task DisposeAsync() => Database.DisposeAsync();

    public Task ResetAsync() => Database.ExecuteAsync(TestSchema.Truncate);

    /// <summary>Inserts <paramref name="count"/> rows with the given status label into a table.</summary>
    public Task SeedAsync(string table, int count, string statusLiteral = "'Queued'", string statusColumn = "status", string payloadColumn = "payload")
        => Database.ExecuteAsync($"INSERT INTO {table} ({statusColumn}, {payloadColumn}) SELECT {statusLiteral}, 'item ' || g FROM generate_series(1, {count}) AS g");
}
