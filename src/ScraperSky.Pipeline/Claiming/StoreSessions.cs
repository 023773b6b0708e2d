using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The store's own sessions (a scope and a DbContext of the workflow's type) for its short statements — claims in
/// lease mode, outcome flushes, lease renewals — kept for reuse, so that a batch does not build a new scope,
/// DbContext options and EF Core service scope for each of them. An idle session holds no connection, with one
/// exception: while a run is under way (<see cref="BeginRun"/>), the flush that ends a batch keeps its connection
/// (<see cref="StoreSession.HoldConnectionAsync"/>) for the claim of the next batch, which follows at once and
/// releases it before items run. A connection taken from the pool again costs a reset of the server session; this
/// saves one per batch without holding a connection the items might need. The run's end closes what is still kept.
/// A session comes back only in a clean state (no transaction, its connection as it should be); anything else is
/// disposed.
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
    private int _runs;

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

    /// <summary>Whether a run is under way: a session may then keep its connection between statements.</summary>
    internal bool RunActive => Volatile.Read(ref _runs) > 0;

    /// <summary>A run starts: sessions that claim and write outcomes may keep their connections until it ends.</summary>
    public void BeginRun() => Interlocked.Increment(ref _runs);

    /// <summary>A run ended: when no other run is under way, idle sessions close the connections they kept.</summary>
    public async ValueTask EndRunAsync()
    {
        if (Interlocked.Decrement(ref _runs) > 0)
        {
            return;
        }

        // Taken out of the pool while their connections close, so that nobody rents them meanwhile; a session rented
        // now closes its connection when it comes back.
        List<StoreSession>? holding = null;
        lock (_gate)
        {
            if (_idle.Any(session => session.HoldsConnection))
            {
                var keep = _idle.Where(session => !session.HoldsConnection).Reverse().ToList();
                holding = [.. _idle.Where(session => session.HoldsConnection)];
                _idle.Clear();
                keep.ForEach(_idle.Push);
            }
        }

        foreach (var session in holding ?? [])
        {
            await ReturnAsync(session).ConfigureAwait(false);
        }
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

    internal async ValueTask ReturnAsync(StoreSession session)
    {
        if (session.HoldsConnection && !RunActive)
        {
            await session.ReleaseConnectionAsync().ConfigureAwait(false);
        }

        var database = session.Db.Database;
        var state = database.GetDbConnection().State;
        var clean = database.CurrentTransaction is null
            && (session.HoldsConnection ? state == System.Data.ConnectionState.Open : state == System.Data.ConnectionState.Closed);
        if (clean)
        {
            lock (_gate)
            {
                if (!_disposed && _idle.Count < MaxIdle)
                {
                    _idle.Push(session);
                    return;
                }
            }
        }

        await session.Scope.DisposeAsync().ConfigureAwait(false);
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

    /// <summary>Whether the session keeps its connection open between statements (until the run ends).</summary>
    internal bool HoldsConnection { get; private set; }

    /// <summary>While a run is under way, opens the session's connection and keeps it open between statements.</summary>
    public async ValueTask HoldConnectionAsync(CancellationToken cancellationToken)
    {
        if (!HoldsConnection && _owner.RunActive)
        {
            await Db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            HoldsConnection = true;
        }
    }

    /// <summary>Closes the connection the session kept, if it kept one.</summary>
    public async ValueTask ReleaseConnectionAsync()
    {
        if (HoldsConnection)
        {
            HoldsConnection = false;
            await Db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => _owner.ReturnAsync(this);
}
