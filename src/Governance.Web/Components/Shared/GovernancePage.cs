using Microsoft.AspNetCore.Components;

namespace Governance.Web.Components.Shared;

/// <summary>
/// A page of the console: the work it starts (database reads, a search of every chat store) is cancelled when the
/// user leaves the page or the circuit ends, instead of running on for no one.
/// </summary>
public abstract class GovernancePage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _leaving = new();

    /// <summary>Cancelled when the page goes away.</summary>
    protected CancellationToken Leaving => _leaving.Token;

    public void Dispose()
    {
        _leaving.Cancel();
        _leaving.Dispose();
        GC.SuppressFinalize(this);
    }
}
