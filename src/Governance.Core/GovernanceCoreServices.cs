using Governance.Core.Accounts;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Core;

public static class GovernanceCoreServices
{
    /// <summary>
    /// Registers the databases, stores and use cases of Core. Connection strings are resolved when first needed,
    /// so that configuration added late (tests, hosting) is seen. Resolving starts nothing: the local cluster is
    /// started before the services are built (the command line does it, <c>serve</c> included).
    /// </summary>
    public static IServiceCollection AddGovernanceCore(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ConnectionResolver>();
        services.AddSingleton(sp => sp.GetRequiredService<ConnectionResolver>().Resolve());
        services.AddSingleton(sp => new GovernanceDatabase(NpgsqlDataSource.Create(sp.GetRequiredService<ResolvedConnections>().Governance)));
        services.AddSingleton(sp => new ChatStoreRegistry(sp.GetRequiredService<ResolvedConnections>().Stores));
        services.AddSingleton<ChatStoreOverview>();

        services.AddOptions<LocalAccountOptions>().BindConfiguration(LocalAccountOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LocalAccountStore>();
        services.AddSingleton<LocalAccountService>();
        services.AddSingleton<SignInSessions>();
        services.AddSingleton<AccountAdministration>();

        services.AddSingleton<AuditSealSignal>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditSealer>();
        services.AddSingleton<PublishedCheckpoints>();
        services.AddSingleton<AuditVerifier>();
        services.AddSingleton<AuditQuery>();
        services.AddSingleton<ReviewAuditLog>();
        services.AddSingleton<AuditChainStatus>();
        services.AddSingleton<VerifyAuditChain>();
        services.AddSingleton<AlertStore>();
        services.AddSingleton<AlertEvaluator>();
        services.AddSingleton<Governance.Core.Reports.ReportArchive>();
        services.AddOptions<Governance.Core.DataMap.DataMapOptions>().BindConfiguration(Governance.Core.DataMap.DataMapOptions.Section);
        services.AddSingleton<Governance.Core.DataMap.DataMapCatalog>();
        services.AddSingleton<Governance.Core.Requests.RegulationsCatalog>();
        services.AddSingleton<Governance.Core.Requests.RequestIntake>();
        services.AddSingleton<Governance.Core.Requests.ApiClients>();
        services.AddSingleton<Governance.Core.Requests.FindPerson>();
        services.AddSingleton<Governance.Core.Holds.CustodianNames>();
        services.AddSingleton<Governance.Core.Requests.RequestSearch>();
        services.AddSingleton<Governance.Core.Requests.TransitionRequest>();
        services.AddSingleton<Governance.Core.Requests.RequestDuplicates>();
        services.AddSingleton<Governance.Core.Requests.ResponseLetters>();
        services.AddSingleton<Governance.Core.Requests.Restrictions>();
        services.AddSingleton<Governance.Core.Requests.RequestCorrections>();
        services.AddSingleton<Governance.Core.Requests.RequestList>();
        services.AddSingleton<Governance.Core.Requests.RequestWork>();
        services.AddSingleton<Governance.Core.Requests.StaffDirectory>();
        services.AddSingleton<Governance.Core.Requests.RequestAttachments>();
        services.AddSingleton<Governance.Core.Requests.INoticeMailer, Governance.Core.Requests.SmtpNoticeMailer>();
        services.AddSingleton<Governance.Core.Requests.DeadlineNotices>();
        services.AddSingleton<Governance.Core.Requests.NoticeInbox>();
        services.AddSingleton<Governance.Core.Requests.RequestWorkload>();
        services.AddSingleton<Governance.Core.Holds.LegalHolds>();
        services.AddOptions<Governance.Core.Erasure.ErasureOptions>().BindConfiguration(Governance.Core.Erasure.ErasureOptions.Section)
            .Validate(o => o.BatchSize is >= 1 and <= 100_000 && o.LockTimeoutMs is >= 10 and <= 600_000 && o.StatementTimeoutMs is >= 100 and <= 3_600_000 && o.LockAttempts is >= 1 and <= 100,
                "Erasure: BatchSize 1-100000, LockTimeoutMs 10-600000, StatementTimeoutMs 100-3600000, LockAttempts 1-100.")
            .ValidateOnStart();
        services.AddSingleton(sp => new Governance.Core.Erasure.StoreErasure(sp.GetRequiredService<GovernanceDatabase>(),
            sp.GetRequiredService<Governance.Core.Holds.LegalHolds>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Governance.Core.Erasure.ErasureOptions>>().Value));
        services.AddSingleton<Governance.Core.Requests.PersonLocator>();
        services.AddSingleton<Governance.Core.Erasure.RequestErasure>();
        services.AddSingleton<Governance.Core.Erasure.ErasureReplay>();
        services.AddOptions<Governance.Core.Exports.ExportOptions>().BindConfiguration(Governance.Core.Exports.ExportOptions.Section)
            .Validate(o => o.KeepDays is >= 1 and <= 90, "Exports: KeepDays 1-90.")
            .ValidateOnStart();
        services.AddSingleton<Governance.Core.Exports.RequestExport>();
        services.AddSingleton<Governance.Core.Exports.PersonCopy>();
        services.AddOptions<Governance.Core.Retention.RetentionOptions>().BindConfiguration(Governance.Core.Retention.RetentionOptions.Section)
            .Validate(o => o.MinBatchSize is >= 1 and <= 100_000 && o.MaxBatchSize >= o.MinBatchSize && o.MaxBatchSize <= 100_000 && o.BatchSize >= 1
                    && o.TargetBatchMs is >= 10 and <= 60_000 && o.PauseFactor is >= 0 and <= 100 && o.MinPauseMs is >= 0 and <= 60_000
                    && o.LockTimeoutMs is >= 10 and <= 600_000 && o.StatementTimeoutMs is >= 100 and <= 3_600_000 && o.LockAttempts is >= 1 and <= 100,
                "Retention: MinBatchSize 1-100000 <= MaxBatchSize <= 100000, TargetBatchMs 10-60000, PauseFactor 0-100, MinPauseMs 0-60000, LockTimeoutMs 10-600000, StatementTimeoutMs 100-3600000, LockAttempts 1-100.")
            .ValidateOnStart();
        services.AddSingleton<Governance.Core.Retention.RetentionCatalog>();
        services.AddSingleton<Governance.Core.Retention.RetentionPreview>();
        services.AddSingleton<Governance.Core.Retention.RetentionRuleEditor>();
        services.AddSingleton(sp => new Governance.Core.Retention.RetentionArchive(sp.GetRequiredService<Governance.Core.Database.GovernanceDatabase>(),
            sp.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>(), sp.GetRequiredService<IConfiguration>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Governance.Core.Retention.RetentionOptions>>().Value));
        services.AddSingleton(sp => new Governance.Core.Retention.RetentionPurge(sp.GetRequiredService<Governance.Core.Database.GovernanceDatabase>(), sp.GetRequiredService<ChatStoreRegistry>(),
            sp.GetRequiredService<Governance.Core.Retention.RetentionCatalog>(), sp.GetRequiredService<Governance.Core.Holds.LegalHolds>(), sp.GetRequiredService<Governance.Core.Audit.AuditLog>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Governance.Core.Retention.RetentionOptions>>().Value, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Governance.Core.Retention.RetentionArchive>()));
        services.AddOptions<Governance.Core.Requests.RequestOptions>().BindConfiguration(Governance.Core.Requests.RequestOptions.Section)
            .Validate(o => o.DueSoonDays is >= 1 and <= 60 && o.AttachmentMaxBytes is >= 1024 and <= 100L * 1024 * 1024 && Uri.IsWellFormedUriString(o.ConsoleUrl, UriKind.Absolute),
                "Requests: DueSoonDays 1-60, AttachmentMaxBytes 1 KiB-100 MiB, ConsoleUrl an absolute address.")
            .ValidateOnStart();
        services.AddOptions<Governance.Core.Requests.SmtpOptions>().BindConfiguration(Governance.Core.Requests.SmtpOptions.Section)
            .Validate(o => !o.Enabled || (o.Port is > 0 and < 65536 && o.Security is "None" or "StartTls" or "SslOnConnect" && Governance.Core.Requests.ContactFormats.IsEmail(o.From)),
                "Notifications:Smtp: Port 1-65535, Security None, StartTls or SslOnConnect, From an e-mail address.")
            .ValidateOnStart();
        services.AddOptions<Governance.Core.Requests.NotificationOptions>().BindConfiguration(Governance.Core.Requests.NotificationOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Governance.Core.Requests.NotificationOptions>, Governance.Core.Requests.NotificationOptions.Check>();

        // Data-protection keys (attachments now, export packages later) live in a folder of their own so that they
        // survive restarts and are shared by every process of the console.
        var dataProtection = services.AddDataProtection().SetApplicationName("governance-console");
        services.AddOptions<KeyManagementOptions>().Configure<IConfiguration>((o, configuration) =>
        {
            var configured = configuration["DataProtection:KeysDirectory"];
            var folder = string.IsNullOrWhiteSpace(configured) ? Path.Combine(GovernancePaths.DataDirectory(configuration), "keys") : Path.GetFullPath(configured);
            // The key ring is not encrypted at rest on Linux (no DPAPI; a certificate could be added): only the
            // console's OS user may read the folder.
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            o.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(folder), NullLoggerFactory.Instance);
        });
        // With a certificate, every key is encrypted at rest with it: a copy of the folder alone opens nothing. The
        // settings are read here, from the configuration the host registered, because the certificate is needed to
        // register decryption.
        if (services.LastOrDefault(d => d.ServiceType == typeof(IConfiguration))?.ImplementationInstance is IConfiguration settings
            && KeyCertificate(settings) is { } certificate)
        {
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section)
            .Validate(o => o.Rules.All(r => System.ComponentModel.DataAnnotations.Validator.TryValidateObject(
                r, new System.ComponentModel.DataAnnotations.ValidationContext(r), null, validateAllProperties: true)),
                "Alerts:Rules: each rule needs a Name (lower case, '-'), an Action, Threshold >= 0, WindowMinutes >= 1 and Severity info, warning or critical.")
            .ValidateOnStart();
        return services;
    }

    /// <summary>
    /// The certificate that encrypts the data-protection keys (<c>DataProtection:CertificatePath</c>, a PKCS#12 file
    /// with its private key; <c>DataProtection:CertificatePassword</c> from the environment or a secret store), or null.
    /// </summary>
    private static System.Security.Cryptography.X509Certificates.X509Certificate2? KeyCertificate(IConfiguration configuration)
    {
        var path = configuration["DataProtection:CertificatePath"];
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        try
        {
            var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
                Path.GetFullPath(path), configuration["DataProtection:CertificatePassword"]);
            return certificate.HasPrivateKey
                ? certificate
                : throw new InvalidOperationException("DataProtection:CertificatePath: the certificate has no private key; the keys could not be read back.");
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException("DataProtection:CertificatePath: not a PKCS#12 file, or DataProtection:CertificatePassword does not open it.");
        }
        catch (IOException)
        {
            throw new InvalidOperationException("DataProtection:CertificatePath: the file cannot be read.");
        }
    }
}
