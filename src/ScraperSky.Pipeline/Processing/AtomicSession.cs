using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// The session an atomic-batch run's batches share one after another: a scope (the processor's, with the workflow's
/// DbContext) whose connection is opened once for the run rather than once per batch. Each batch still begins and
/// commits a transaction of its own on it.
/// </summary>
internal sealed class AtomicSession : IAsyncDisposable
{
    private AtomicSession(AsyncServiceScope scope, DbContext db)
    {
        Scope = scope;
        Db = db;
    }

    public AsyncServiceScope Scope { get; }

    public DbContext Db { get; }

    /// <summary>Creates the scope and opens its DbContext's connection.</summary>
    public static async Task<AtomicSession> OpenAsync(IServiceScopeFactory scopes, Type contextType, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        try
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(contextType);
            await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return new AtomicSession(scope, db);
        }
        catch
        {
            await scope.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
        finally
        {
            await Scope.DisposeAsync().ConfigureAwait(false);
        }
    }
}
