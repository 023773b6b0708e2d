using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline;
using ScraperSky.Pipeline.Testing;

// One table, one processor, one registration. Without SCRAPERSKY_PG_CONNECTION it runs on a throwaway PostgreSQL.
await using var throwaway = Environment.GetEnvironmentVariable("SCRAPERSKY_PG_CONNECTION") is { Length: > 0 } ? null
    : await ThrowawayPostgres.StartAsync(new ThrowawayPostgresOptions { InstallServerIfMissing = true });
var connectionString = throwaway?.ConnectionString ?? Environment.GetEnvironmentVariable("SCRAPERSKY_PG_CONNECTION")!;

await using (var setup = new NpgsqlConnection(connectionString))
{
    await setup.OpenAsync();
    await new NpgsqlCommand("""
        CREATE TABLE IF NOT EXISTS pages (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, url text NOT NULL,
            status text NOT NULL, error text, title text);
        INSERT INTO pages (url, status) SELECT 'https://example.com/' || i, 'Queued' FROM generate_series(1, 5) AS i;
        """, setup).ExecuteNonQueryAsync();
}

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
builder.Services.AddDbContext<AppDb>(o => o.UseNpgsql(connectionString));
builder.Services.AddStatusWorkflow<Page, PageStatus>("titles", o => o.WakeUp.InstallTrigger = true)
    .UseDbContext<AppDb>()
    .Status(p => p.Status, PageStatus.Queued, PageStatus.Processing, PageStatus.Completed, PageStatus.Error)
    .ErrorText(p => p.Error)
    .UseProcessor<TitleProcessor>();
using var host = builder.Build();

// The first run that finds nothing queued means every page has its outcome.
var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
host.Services.GetRequiredService<IJobScheduler>().JobExecuted += (_, run) =>
{
    if (run.JobId == "titles" && run.ItemsProcessed == 0)
    {
        drained.TrySetResult();
    }
};
await host.StartAsync();
await drained.Task.WaitAsync(TimeSpan.FromMinutes(1));

await using var db = host.Services.CreateAsyncScope().ServiceProvider.GetRequiredService<AppDb>();
foreach (var page in await db.Pages.OrderBy(p => p.Id).ToListAsync())
{
    Console.WriteLine($"{page.Url}: {page.Status} {page.Title}");
}

await host.StopAsync();
return await db.Pages.AllAsync(p => p.Status == PageStatus.Completed) ? 0 : 1;

public enum PageStatus { Queued, Processing, Completed, Error }

public sealed class Page
{
    public long Id { get; set; }
    public string Url { get; set; } = "";
    public PageStatus Status { get; set; }
    public string? Error { get; set; }
    public string? Title { get; set; }
}

public sealed class AppDb(DbContextOptions<AppDb> options) : DbContext(options)
{
    public DbSet<Page> Pages => Set<Page>();

    protected override void OnModelCreating(ModelBuilder model) => model.Entity<Page>(e =>
    {
        e.ToTable("pages");
        e.Property(p => p.Id).HasColumnName("id");
        e.Property(p => p.Url).HasColumnName("url");
        e.Property(p => p.Status).HasColumnName("status").HasConversion<string>();
        e.Property(p => p.Error).HasColumnName("error");
        e.Property(p => p.Title).HasColumnName("title");
    });
}

public sealed class TitleProcessor : IStatusItemProcessor<Page>
{
    public ValueTask<ItemResult> ProcessAsync(Page page, StatusItemContext context, CancellationToken cancellationToken)
    {
        page.Title = "Title of " + page.Url; // your work here: the entity's changes are saved with the outcome
        return ValueTask.FromResult(ItemResult.Completed);
    }
}
