using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Reliability;

/// <summary>
/// A host started while PostgreSQL is still in crash recovery (issue 8): the server accepts the connection and refuses
/// the session with <c>57P03 cannot_connect_now</c>. That is an unreachable database, not a misconfiguration: the host
/// must start and retry, as it does when the port is closed. Found by the chaos harness: a worker started a few seconds
/// before an immediate restart died at start-up.
/// </summary>
public sealed class DatabaseStartingUpTests
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StartAsync_DatabaseInCrashRecovery_HostStartsAndReportsTheDeferredCheck()
    {
        await using var server = StartingUpServer.Start();
        var logs = new LogSignal();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddDbContext<EnumWorkDb>(o => PooledTestDatabase.Use(o, $"Host=127.0.0.1;Port={server.Port};Database=x;Username=x;SSL Mode=Disable;Timeout=5"));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o => o.Schedule.Interval = TimeSpan.FromMilliseconds(100));
        using var host = builder.Build();

        var start = await Record.ExceptionAsync(() => host.StartAsync().WaitAsync(Ceiling));
        start.Should().BeNull("a database in recovery is unreachable for now, not misconfigured");
        await logs.WhenLogged(2002, 2).WaitAsync(Ceiling);
        await host.StopAsync().WaitAsync(Ceiling);

        logs.Events.Should().Contain(e => e.EventId == 1007);
        server.Refused.Should().BeGreaterThan(1, "the host keeps trying");
    }

    /// <summary>
    /// Speaks just enough of the PostgreSQL protocol to refuse every session the way a server in crash recovery does:
    /// declines SSL and GSS encryption, then answers the startup message with <c>FATAL 57P03</c>.
    /// </summary>
    private sealed class StartingUpServer : IAsyncDisposable
    {
        private const int SslRequest = 80877103;
        private const int GssEncRequest = 80877104;
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private int _refused;

        private StartingUpServer(TcpListener listener)
        {
            _listener = listener;
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Refused => Volatile.Read(ref _refused);

        public static StartingUpServer Start()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return new StartingUpServer(listener);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await Record.ExceptionAsync(() => _accepting);
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = RefuseAsync(client);
            }
        }

        private async Task RefuseAsync(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                var header = new byte[8];
                while (true)
                {
                    await stream.ReadExactlyAsync(header, _stop.Token);
                    var length = BinaryPrimitives.ReadInt32BigEndian(header);
                    var code = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
                    if (code is SslRequest or GssEncRequest)
                    {
                        await stream.WriteAsync("N"u8.ToArray(), _stop.Token);
                        continue;
                    }

                    // The startup message: read the rest of it, then refuse the session.
                    await stream.ReadExactlyAsync(new byte[length - 8], _stop.Token);
                    break;
                }

                var fields = Encoding.UTF8.GetBytes("SFATAL\0VFATAL\0C57P03\0Mthe database system is not yet accepting connections\0\0");
                var message = new byte[1 + 4 + fields.Length];
                message[0] = (byte)'E';
                BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + fields.Length);
                fields.CopyTo(message, 5);
                await stream.WriteAsync(message, _stop.Token);
                Interlocked.Increment(ref _refused);
            }
        }
    }
}
