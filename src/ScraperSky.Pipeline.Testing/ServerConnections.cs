using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// Connections to a throwaway server: the connection strings it hands out (remembered, so their pools can be cleared
/// when the server goes), database creation, and the check that a started server answers queries.
/// </summary>
internal sealed class ServerConnections
{
    /// <summary>The only address the server listens on.</summary>
    public const string Host = "127.0.0.1";

    private readonly ConcurrentDictionary<string, byte> _issued = new(StringComparer.Ordinal);
    private readonly ServerProcess _server;

    /// <summary>Creates the connections of <paramref name="server"/>, whose port may change until it first starts.</summary>
    public ServerConnections(ServerProcess server) => _server = server;

    /// <summary>A connection string to <paramref name="database"/> as the superuser; its pool is cleared on disposal.</summary>
    public string For(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = _server.Port,
            Username = ClusterConfiguration.Superuser,
            Database = database,
            IncludeErrorDetail = true,
        };
        string connectionString = builder.ConnectionString;
        _issued.TryAdd(connectionString, 0);
        return connectionString;
    }

    /// <summary>Creates an empty database from <c>template0</c> and returns a connection string to it.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not 1-63 characters of a-z, 0-9 and _.</exception>
    public async Task<string> CreateDatabaseAsync(string? name, CancellationToken ct)
    {
        name ??= "db_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        if (name.Length is 0 or > 63 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException($"Database name '{name}' must be 1-63 characters of a-z, 0-9 and _.", nameof(name));
        }

        var connection = new NpgsqlConnection(AdminConnectionString());
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            // The name was checked above, so quoting it is enough; identifiers cannot be bound as parameters.
            var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0", connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }

        return For(name);
    }

    /// <summary>Waits until the server answers <c>SELECT 1</c>, retrying briefly.</summary>
    /// <exception cref="InvalidOperationException">It does not answer; the message holds the server log.</exception>
    public async Task VerifyAsync(ClusterFolder folder, CancellationToken ct)
    {
        const int attempts = 10;
        string connectionString = AdminConnectionString();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var connection = new NpgsqlConnection(connectionString);
                await using (connection.ConfigureAwait(false))
                {
                    await connection.OpenAsync(ct).ConfigureAwait(false);
                    var command = new NpgsqlCommand("SELECT 1", connection);
                    await using (command.ConfigureAwait(false))
                    {
                        await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
                    }
                }

                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
            {
                if (attempt == attempts)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL started on port {_server.Port} but does not answer queries: {ex.Message}" + folder.DescribeLog(),
                        ex);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Empties the pools of every connection string handed out: they only hold sockets to a server that is gone.</summary>
    public void ClearIssuedPools()
    {
        foreach (string connectionString in _issued.Keys)
        {
            using var connection = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(connection);
        }
    }

    // Our own connections stay out of the pool: a pool keyed to a throwaway server only ever fills with dead sockets.
    private string AdminConnectionString() =>
        new NpgsqlConnectionStringBuilder(For("postgres")) { Pooling = false, Timeout = 5 }.ConnectionString;
}
