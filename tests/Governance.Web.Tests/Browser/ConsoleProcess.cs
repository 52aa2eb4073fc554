using System.Diagnostics;
using System.Text;

namespace Governance.Web.Tests.Browser;

/// <summary>The console's real binary (<c>Governance.Web.dll serve</c>) on a free port, configured through environment variables.</summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ConsoleProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ConsoleProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, int? port = null)
    {
        port ??= Governance.Core.Database.Embedded.EmbeddedCluster.FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(BinaryPath());
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(baseUrl);
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        info.Environment["Jobs__RunServer"] = "true";
        info.Environment.Remove("GOV_ADMIN_PASSWORD");

        var process = Process.Start(info)!;
        var console = new ConsoleProcess(process, baseUrl);
        process.OutputDataReceived += (_, e) => console.Append(e.Data);
        process.ErrorDataReceived += (_, e) => console.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The console exited with {process.ExitCode}:\n{console.Output}");
            }

            try
            {
                if ((await http.GetAsync($"{baseUrl}/health")).IsSuccessStatusCode)
                {
                    return console;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        await console.DisposeAsync();
        throw new TimeoutException($"The console did not answer /health within 90 s:\n{console.Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>The console's built binary (the same configuration as the tests).</summary>
    internal static string BinaryPath() => Governance.Tests.Support.ConsoleBinary.Path();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
