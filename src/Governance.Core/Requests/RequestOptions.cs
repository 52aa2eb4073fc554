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

/// <summary>
/// The <c>Notifications</c> section's <c>Mailboxes</c>: shared addresses (a privacy team's mailbox) that receive every
/// deadline notice, assigned or not, in their own digest. They reach the team before anyone has signed in, which the
/// people of an identity provider only become known by.
/// </summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    public List<NoticeMailbox> Mailboxes { get; set; } = [];

    /// <summary>The first setting that is wrong, named as the configuration names it; null when all are right.</summary>
    public string? Problem()
    {
        for (var i = 0; i < Mailboxes.Count; i++)
        {
            if (!ContactFormats.IsEmail(Mailboxes[i].Address ?? ""))
            {
                return $"{Section}:Mailboxes:{i}:Address must be an e-mail address.";
            }

            if (Languages.Known(Mailboxes[i].Language) is null)
            {
                return $"{Section}:Mailboxes:{i}:Language must be {Languages.English} or {Languages.Chinese}.";
            }
        }

        // Two spellings of one address would share one recipient in the notices table.
        return Mailboxes.Select(m => m.RecipientId).Distinct().Count() == Mailboxes.Count ? null : $"{Section}:Mailboxes names an address twice.";
    }

    /// <summary>Refuses the console's start with the setting that is wrong.</summary>
    public sealed class Check : Microsoft.Extensions.Options.IValidateOptions<NotificationOptions>
    {
        public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, NotificationOptions options) =>
            options.Problem() is { } problem ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problem) : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
    }
}

/// <summary>A shared mailbox for deadline notices, and the language its digest is written in.</summary>
public sealed class NoticeMailbox
{
    public string Address { get; set; } = "";

    public string Language { get; set; } = Languages.English;

    /// <summary>The recipient of its notices in the notices table (never a person's actor id).</summary>
    public string RecipientId => "mailbox:" + Address.Trim().ToLowerInvariant();
}
