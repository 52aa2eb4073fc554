using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Governance.Web.Tests.Support;

/// <summary>
/// The errors the console under test logged (category, message, exception), kept for a failing test's message and
/// appended to <c>server-errors.log</c> in the test artifacts folder, so that a 500 seen by a test can be explained
/// after the run.
/// </summary>
public sealed class ServerErrors : ILoggerProvider
{
    private static readonly Lock FileLock = new();
    private readonly ConcurrentQueue<string> _errors = new();

    public IReadOnlyCollection<string> All => _errors.ToArray();

    /// <summary>The errors logged since the factory started, for an assertion's message.</summary>
    public override string ToString() => _errors.IsEmpty ? "no error logged by the console" : string.Join("\n---\n", _errors);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string entry)
    {
        _errors.Enqueue(entry);
        if (Environment.GetEnvironmentVariable("GOV_TEST_ARTIFACTS") is { Length: > 0 } folder && Directory.Exists(folder))
        {
            lock (FileLock)
            {
                File.AppendAllText(Path.Combine(folder, "server-errors.log"), $"{DateTime.UtcNow:O} {entry}\n\n");
            }
        }
    }

    private sealed class Logger(ServerErrors owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Add($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
            }
        }
    }
}
