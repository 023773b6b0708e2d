using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The store's own sessions (a scope and a DbContext of the workflow's type) for its short statements — claims in
/// lease mode, outcome flushes, lease renewals — kept for reuse, so that a batch does not build a new scope,
/// DbContext options and EF Core service scope for each of them. A session holds no connection while it waits: each
/// statement opens and closes its connection as before, so the pool of the application's connections is not reduced.
/// A session comes back only in a clean state (no open connection, no transaction); anything else is disposed.
/// </summary>
internal sealed class StoreSessions : IDisposable
{
    /// <summary>The most idle sessions kept: one claim, one flush and one renewal can run at the same moment.</summary>
    internal const int MaxIdle = 4;

    private readonly IServiceScopeFactory _scopes;
    private readonly Type _contextType;
    private readonly Lock _gate = new();
    private readonly Stack<StoreSession> _idle = new();
    private bool _disposed;

    public StoreSessions(IServiceScopeFactory scopes, Type contextType)
    {
        _scopes = scopes;
        _contextType = contextType;
    }

    /// <summary>Takes an idle session, or opens a new one; dispose it to give it back.</summary>
    public StoreSession Rent()
    {
        lock (_gate)
        {
            if (_idle.TryPop(out var session))
            {
                return session;
            }
        }

        var scope = _scopes.CreateAsyncScope();
        return new StoreSession(this, scope, (DbContext)scope.ServiceProvider.GetRequiredService(_contextType));
    }

    /// <summary>Disposes every idle session; sessions rented now are disposed when they come back.</summary>
    public void Dispose()
    {
        StoreSession[] idle;
        lock (_gate)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        foreach (var session in idle)
        {
            try
            {
                // A DbContext disposes synchronously; its connection is closed while it is idle.
                ((IDisposable)session.Scope).Dispose();
            }
            catch (InvalidOperationException)
            {
                // A scoped service of the application's that only disposes asynchronously.
                session.Scope.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }

    internal ValueTask ReturnAsync(StoreSession session)
    {
        var database = session.Db.Database;
        if (database.CurrentTransaction is null && database.GetDbConnection().State == System.Data.ConnectionState.Closed)
        {
            lock (_gate)
            {
                if (!_disposed && _idle.Count < MaxIdle)
                {
                    _idle.Push(session);
                    return ValueTask.CompletedTask;
                }
            }
        }

        return session.Scope.DisposeAsync();
    }
}

/// <summary>A rented session of the store's own: use <see cref="Db"/>, then dispose to give it back.</summary>
internal sealed class StoreSession : IAsyncDisposable
{
    private readonly StoreSessions _owner;

    internal StoreSession(StoreSessions owner, AsyncServiceScope scope, DbContext db)
    {
        _owner = owner;
        Scope = scope;
        Db = db;
    }

    public AsyncServiceScope Scope { get; }

    public DbContext Db { get; }

    public ValueTask DisposeAsync() => _owner.ReturnAsync(this);
}
