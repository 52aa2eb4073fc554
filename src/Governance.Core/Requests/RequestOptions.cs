namespace Governance.Core.Requests;

/// <summary>The <c>Requests</c> section: how requests are worked on.</summary>
public sealed class RequestOptions
{
    public const string Section = "Requests";

    /// <summary>Open requests due within this many days are flagged "due soon" by the daily deadline job.</summary>
    public int DueSoonDays { get; set; } = 7;

    /// <summary>The largest correspondence attachment accepted, in bytes.</summary>
    public long AttachmentMaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>When the deadline job runs (cron, UTC).</summary>
    public string DeadlineJobCron { get; set; } = "0 6 * * *";

    /// <summary>The console's address as people reach it, for links in notice e-mails (e.g. https://governance.example.internal).</summary>
    public string ConsoleUrl { get; set; } = "http://127.0.0.1:5080";
}

/// <summary>The <c>Notifications:Smtp</c> section. An empty Host turns e-mail off (notices stay in-app).</summary>
public sealed class SmtpOptions
{
    public const string Section = "Notifications:Smtp";

    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    /// <summary>None, StartTls (port 587) or SslOnConnect (port 465).</summary>
    public string Security { get; set; } = "StartTls";

    public string UserName { get; set; } = "";

    /// <summary>A secret: set it through the environment or a secret store.</summary>
    public string Password { get; set; } = "";

    public string From { get; set; } = "governance-console@example.internal";

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}
