using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Governance.Tests.Support;

/// <summary>
/// A real SMTP server on loopback (aiosmtpd from Debian's python3-aiosmtpd, installed by scripts/setup-machine.sh)
/// that keeps every message it accepts in a Maildir, so tests read what was actually sent over SMTP.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _maildir;

    private SmtpSink(Process process, int port, string maildir)
    {
        _process = process;
        Port = port;
        _maildir = maildir;
    }

    public int Port { get; }

    public static async Task<SmtpSink> StartAsync()
    {
        var port = FreePort();
        var maildir = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "smtp-" + Guid.NewGuid().ToString("N")[..8]);
        var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("aiosmtpd did not start");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return new SmtpSink(process, port, maildir);
            }
            catch (SocketException)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException("aiosmtpd exited at start: run scripts/setup-machine.sh --browser (package python3-aiosmtpd).");
                }

                await Task.Delay(100);
            }
        }

        process.Kill();
        throw new TimeoutException("aiosmtpd did not listen within 10 s");
    }

    /// <summary>The raw messages received so far.</summary>
    public IReadOnlyList<string> Messages()
    {
        var folder = Path.Combine(_maildir, "new");
        return Directory.Exists(folder) ? Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList() : [];
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (Directory.Exists(_maildir))
        {
            Directory.Delete(_maildir, recursive: true);
        }
    }
}
