using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Claiming;

/// <summary>
/// The row reader compiled from the model reads what EF Core's own query reads, for every status storage (PostgreSQL
/// enum, text and integer conversions), quoted names in another schema, nullable timestamps; a row it cannot read is
/// reported with the column; shapes it does not read are named.
/// </summary>
public sealed class RowMaterializerTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ReadAsync_EveryStatusStorage_ReadsWhatEfCoreReads()
    {
        await db.Database.ExecuteAsync("INSERT INTO enum_items (status, error, payload, touches) VALUES ('Queued', NULL, 'a', 1), ('Error', 'bad', 'b', 2)");
        await db.Database.ExecuteAsync("INSERT INTO text_items (status, error, payload, touches) VALUES ('Queued', NULL, 'a', 1), ('Completed', 'x', 'b', 2)");
        await db.Database.ExecuteAsync("INSERT INTO int_items (status, error, payload, touches) VALUES (0, NULL, 'a', 1), (3, 'y', 'b', 2)");
        await db.Database.ExecuteAsync("""INSERT INTO "My Schema"."Work Items" ("Status Value", "Error Text", "Payload", "Touches") VALUES ('Processing', 'q', 'c', 3)""");

        await ExpectSameAsEfCore<EnumWorkDb, WorkItem>("SELECT c.* FROM enum_items AS c ORDER BY c.id", x => x.Id);
        await ExpectSameAsEfCore<TextWorkDb, WorkItem>("SELECT c.* FROM text_items AS c ORDER BY c.id", x => x.Id);
        await ExpectSameAsEfCore<IntWorkDb, WorkItem>("SELECT c.* FROM int_items AS c ORDER BY c.id", x => x.Id);
        await ExpectSameAsEfCore<QuirkyWorkDb, WorkItem>("""SELECT c.* FROM "My Schema"."Work Items" AS c""", x => x.Id);
    }

    [Fact]
    public async Task ReadAsync_LeaseColumns_ReadsNullableTimestampsAndIntegers()
    {
        await db.Database.ExecuteAsync("INSERT INTO lease_items (status, payload, attempts, lease_expires_at, claimed_by, updated_at, priority, tenant) VALUES ('Processing', 'p', 2, '2030-01-02 03:04:05.123456+00', 'node#1', NULL, 9, 'b'), ('Queued', 'q', 0, NULL, NULL, '2029-05-06 07:08:09+00', 0, 'a')");

        await ExpectSameAsEfCore<LeaseWorkDb, LeaseItem>("SELECT c.* FROM lease_items AS c ORDER BY c.id", x => x.Id);
    }

    [Fact]
    public async Task ReadAsync_RowWithNullInRequiredColumn_ReportedWithColumnAndTheOthersRead()
    {
        await db.Database.ExecuteAsync("ALTER TABLE enum_items ALTER COLUMN touches DROP NOT NULL");
        try
        {
            await db.SeedAsync("enum_items", 3);
            await db.Database.ExecuteAsync("UPDATE enum_items SET touches = NULL WHERE id = 2");
            await using var session = Session<EnumWorkDb>();
            var rows = Materializer<WorkItem>(session.Db);

            var claim = await rows.ReadAsync(session.Db, "SELECT c.* FROM enum_items AS c ORDER BY c.id", [], transactionIdColumn: false, snapshots: true, CancellationToken.None);

            claim.Items.Select(x => x.Id).Should().Equal(1L, 3L);
            claim.Originals!.Select(x => x.Id).Should().Equal(1L, 3L);
            claim.Unreadable.Should().ContainSingle().Which.Should().Match<(object? Key, string Reason)>(u => Equals(u.Key, 2L) && u.Reason.StartsWith("the row could not be read: column 'touches' (property 'Touches')", StringComparison.Ordinal));
        }
        finally
        {
            await db.Database.ExecuteAsync("UPDATE enum_items SET touches = 0 WHERE touches IS NULL");
            await db.Database.ExecuteAsync("ALTER TABLE enum_items ALTER COLUMN touches SET NOT NULL");
        }
    }

    [Fact]
    public async Task Changed_ComparesEveryPropertyWithTheSnapshot()
    {
        await db.SeedAsync("enum_items", 1);
        await using var session = Session<EnumWorkDb>();
        var rows = Materializer<WorkItem>(session.Db);
        var claim = await rows.ReadAsync(session.Db, "SELECT c.* FROM enum_items AS c", [], transactionIdColumn: false, snapshots: true, CancellationToken.None);
        var item = claim.Items[0];
        var original = claim.Originals![0];

        ReferenceEquals(item, original).Should().BeFalse();
        rows.Changed(item, original).Should().BeFalse();
        item.Error = "set";
        rows.Changed(item, original).Should().BeTrue();
        item.Error = null;
        item.Status = JobStatus.Error;
        rows.Changed(item, original).Should().BeTrue();
    }

    [Fact]
    public void Create_ShapesItDoesNotRead_NamedInUnsupported()
    {
        using var owned = new OwnedShapeDb(Options<OwnedShapeDb>());
        using var shadow = new ShadowShapeDb(Options<ShadowShapeDb>());

        Create<OwnerRow>(owned).Unsupported.Should().Contain("owns other types");
        Create<ShadowRow>(shadow).Unsupported.Should().Contain("'Secret' is a shadow property");
        using var plain = new EnumWorkDb(Options<EnumWorkDb>());
        Create<WorkItem>(plain).Unsupported.Should().BeNull();
        Create<WorkItem>(plain).TracksLazily.Should().BeTrue();
    }

    private async Task ExpectSameAsEfCore<TContext, TEntity>(string sql, Func<TEntity, long> key)
        where TContext : DbContext
        where TEntity : class
    {
        await using var session = Session<TContext>();
        var rows = Materializer<TEntity>(session.Db);
        rows.Unsupported.Should().BeNull();

        var claim = await rows.ReadAsync(session.Db, sql, [], transactionIdColumn: false, snapshots: true, CancellationToken.None);
        var expected = await session.Db.Set<TEntity>().FromSqlRaw(sql).AsNoTracking().ToListAsync();

        claim.Unreadable.Should().BeEmpty();
        claim.Items.OrderBy(key).Should().BeEquivalentTo(expected.OrderBy(key), o => o.WithStrictOrdering(), typeof(TContext).Name);
        claim.Originals.Should().BeEquivalentTo(claim.Items, o => o.WithStrictOrdering());
    }

    private static RowMaterializer<TEntity> Materializer<TEntity>(DbContext context)
        where TEntity : class
        => Create<TEntity>(context);

    private static RowMaterializer<TEntity> Create<TEntity>(DbContext context)
        where TEntity : class
    {
        var entityType = context.Model.FindEntityType(typeof(TEntity))!;
        return RowMaterializer<TEntity>.Create(entityType, StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema()));
    }

    private Scoped Session<TContext>()
        where TContext : DbContext
    {
        var services = new ServiceCollection();
        services.AddDbContext<TContext>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        var provider = services.BuildServiceProvider();
        var scope = provider.CreateAsyncScope();
        return new Scoped(provider, scope, scope.ServiceProvider.GetRequiredService<TContext>());
    }

    private static DbContextOptions<TContext> Options<TContext>()
        where TContext : DbContext
        => (DbContextOptions<TContext>)TestSchema.Quiet(new DbContextOptionsBuilder<TContext>()).UseNpgsql("Host=127.0.0.1;Port=1").Options;

    private sealed record Scoped(ServiceProvider Provider, AsyncServiceScope Scope, DbContext Db) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Scope.DisposeAsync();
            await Provider.DisposeAsync();
        }
    }

    public sealed class OwnerRow
    {
        public long Id { get; set; }

        public Address Address { get; set; } = new();
    }

    public sealed class Address
    {
        public string City { get; set; } = string.Empty;
    }

    public sealed class ShadowRow
    {
        public long Id { get; set; }
    }

    private sealed class OwnedShapeDb(DbContextOptions<OwnedShapeDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<OwnerRow>(e =>
            {
                e.ToTable("owners");
                e.OwnsOne(x => x.Address);
            });
    }

    private sealed class ShadowShapeDb(DbContextOptions<ShadowShapeDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<ShadowRow>(e =>
            {
                e.ToTable("shadows");
                e.Property<string>("Secret");
            });
    }
}
