using System.Security.Cryptography;
using System.Text;

namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// The temporary folder of one throwaway cluster: <c>data/</c> (made by initdb), <c>socket/</c> and <c>server.log</c>.
/// Deleting it is the last step of every clean-up.
/// </summary>
internal sealed class ClusterFolder
{
    private ClusterFolder(string root)
    {
        Root = root;
        DataDirectory = Path.Combine(root, "data");
        SocketDirectory = Path.Combine(root, "socket");
        LogFile = Path.Combine(root, "server.log");
    }

    /// <summary>The folder itself, named <c>scrapersky-pg-…</c> in the temporary folder (or <c>/tmp</c>).</summary>
    public string Root { get; }

    /// <summary>The cluster's data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>Where the server puts its Unix socket.</summary>
    public string SocketDirectory { get; }

    /// <summary>The server's log file (<c>pg_ctl -l</c>).</summary>
    public string LogFile { get; }

    /// <summary>The server's lock file, which names the postmaster's PID while it runs.</summary>
    public string PidFile => Path.Combine(DataDirectory, "postmaster.pid");

    /// <summary>Creates a fresh folder with its <c>socket/</c> subfolder.</summary>
    /// <param name="reachableByOthers">Whether another OS user (the cluster owner, when we are root) must reach it.</param>
    public static ClusterFolder Create(bool reachableByOthers)
    {
        string baseDirectory = Path.GetTempPath();
        // The cluster owner must be able to reach the folder, and a Unix socket path must fit in 107 bytes; /tmp does both.
        string probe = Path.Combine(baseDirectory, "scrapersky-pg-000000000000", "socket", ".s.PGSQL.65535");
        if (Encoding.UTF8.GetByteCount(probe) > 107 || (reachableByOthers && !OthersCanTraverse(baseDirectory)))
        {
            baseDirectory = "/tmp";
        }

        string root;
        do
        {
            root = Path.Combine(baseDirectory, "scrapersky-pg-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        }
        while (Path.Exists(root));

        // Default mode (0777 less the umask, so normally 0755): traversable by the cluster owner before the chown.
        var folder = new ClusterFolder(root);
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(folder.SocketDirectory);
        return folder;
    }

    /// <summary>Deletes the folder, retrying briefly while a departing server still writes to it; says so when it cannot.</summary>
    public void Delete()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(Root))
                {
                    Directory.Delete(Root, recursive: true);
                }

                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A server process that has not quite exited may still be writing its last files.
                if (attempt == 5)
                {
                    ConsoleLog.Write($"Could not delete {Root}: {ex.Message}");
                    return;
                }

                Thread.Sleep(200);
            }
        }
    }

    /// <summary>The log's current length, to read only what a following command adds.</summary>
    public long LogLength()
    {
        try
        {
            return File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The log from byte <paramref name="from"/> on, or a note saying why it could not be read.</summary>
    public string ReadLog(long from = 0)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"<could not read {LogFile}: {ex.Message}>";
        }
    }

    /// <summary>A block for an exception message: a headline, then the last 40 lines of <paramref name="log"/> (default: all of it).</summary>
    public string DescribeLog(string? log = null) =>
        Environment.NewLine + "--- server log (last lines) ---" + Environment.NewLine + Tail(log ?? ReadLog(), 40);

    private static string Tail(string text, int lines)
    {
        string[] all = text.TrimEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    private static bool OthersCanTraverse(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        for (DirectoryInfo? current = new(Path.GetFullPath(directory)); current is not null; current = current.Parent)
        {
            if (!current.Exists || (current.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }
}
