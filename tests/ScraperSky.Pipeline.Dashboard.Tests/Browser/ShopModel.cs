using Microsoft.EntityFrameworkCore;

namespace ScraperSky.Pipeline.Dashboard.Tests.Browser;

public enum OrderStatus
{
    Queued,
    Processing,
    Completed,
    Error,
}

/// <summary>A row of the browser tests' table <c>orders</c>.</summary>
public sealed class Order
{
    public long Id { get; set; }

    public OrderStatus Status { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }
}

public sealed class ShopDb(DbContextOptions<ShopDb> options) : DbContext(options)
{
    public const string Ddl = """
        CREATE TABLE IF NOT EXISTS orders (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'Completed', error text, updated_at timestamptz);
        CREATE INDEX IF NOT EXISTS orders_queued ON orders (id) WHERE status = 'Queued';
        """;

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<Order>(e =>
    {
        e.ToTable("orders");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id");
        e.Property(x => x.Status).HasColumnName("status").HasConversion<string>();
        e.Property(x => x.Error).HasColumnName("error");
        e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
    });
}

/// <summary>
/// Runs only on a host started with history (elsewhere the workflow is disabled, so rows stay where the test puts them):
/// completes an order, or fails every third one with a message that names it.
/// </summary>
public sealed class OrderProcessor : IStatusItemProcessor<Order>
{
    public ValueTask<ItemResult> ProcessAsync(Order item, StatusItemContext context, CancellationToken cancellationToken)
        => ValueTask.FromResult(item.Id % 3 == 0 ? ItemResult.Failed($"HTTP 503 from the shop for order {item.Id}") : ItemResult.Completed);
}
