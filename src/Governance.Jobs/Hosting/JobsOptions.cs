using System.ComponentModel.DataAnnotations;

namespace Governance.Jobs.Hosting;

/// <summary>Settings of the Hangfire job server (<c>Jobs</c> section).</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Run a job server inside this process. Turn off in web-only processes when workers run apart.</summary>
    public bool RunServer { get; set; } = true;

    /// <summary>Concurrent jobs in this process.</summary>
    [Range(1, 64)]
    public int WorkerCount { get; set; } = 2;

    /// <summary>Schema of Hangfire's tables in the governance database.</summary>
    [Required, RegularExpression("^[a-z_][a-z0-9_]{0,62}$")]
    public string Schema { get; set; } = "hangfire";

    /// <summary>
    /// Whether Admins may act on the job dashboard (trigger, delete, requeue). Off: the dashboard is read-only for
    /// everyone, and jobs change only through configuration and the console's own pages. Every action is audited.
    /// </summary>
    public bool DashboardWritable { get; set; }

    /// <summary>Seconds between registrations of the recurring jobs, which undo a removal or change made on the dashboard.</summary>
    [Range(1, 86_400)]
    public int ReassertRecurringSeconds { get; set; } = 3_600;
}
