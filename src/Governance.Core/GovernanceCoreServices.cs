using Governance.Core.Accounts;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Core;

public static class GovernanceCoreServices
{
    /// <summary>
    /// Registers the databases, stores and use cases of Core. Connection strings are resolved when first needed,
    /// so that configuration added late (tests, hosting) is seen; the embedded cluster starts then if allowed.
    /// </summary>
    public static IServiceCollection AddGovernanceCore(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ConnectionResolver>();
        services.AddSingleton(sp =>
        {
            var resolver = sp.GetRequiredService<ConnectionResolver>();
            return resolver.ResolveAsync(resolver.EmbeddedOptions.AutoStart, CancellationToken.None).GetAwaiter().GetResult();
        });
        services.AddSingleton(sp => new GovernanceDatabase(NpgsqlDataSource.Create(sp.GetRequiredService<ResolvedConnections>().Governance)));
        services.AddSingleton(sp => new ChatStoreRegistry(sp.GetRequiredService<ResolvedConnections>().Stores));
        services.AddSingleton<ChatStoreOverview>();

        services.AddOptions<LocalAccountOptions>().BindConfiguration(LocalAccountOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LocalAccountStore>();
        services.AddSingleton<LocalAccountService>();

        services.AddSingleton<AuditSealSignal>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditSealer>();
        services.AddSingleton<AuditVerifier>();
        services.AddSingleton<AuditQuery>();
        services.AddSingleton<ReviewAuditLog>();
        services.AddSingleton<AuditChainStatus>();
        services.AddSingleton<VerifyAuditChain>();
        services.AddSingleton<AlertStore>();
        services.AddSingleton<AlertEvaluator>();
        services.AddOptions<Governance.Core.DataMap.DataMapOptions>().BindConfiguration(Governance.Core.DataMap.DataMapOptions.Section);
        services.AddSingleton<Governance.Core.DataMap.DataMapCatalog>();
        services.AddSingleton<Governance.Core.Requests.RegulationsCatalog>();
        services.AddSingleton<Governance.Core.Requests.RequestIntake>();
        services.AddSingleton<Governance.Core.Requests.ApiClients>();
        services.AddSingleton<Governance.Core.Requests.FindPerson>();
        services.AddSingleton<Governance.Core.Requests.TransitionRequest>();
        services.AddSingleton<Governance.Core.Requests.RequestList>();
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section)
            .Validate(o => o.Rules.All(r => System.ComponentModel.DataAnnotations.Validator.TryValidateObject(
                r, new System.ComponentModel.DataAnnotations.ValidationContext(r), null, validateAllProperties: true)),
                "Alerts:Rules: each rule needs a Name (lower case, '-'), an Action, Threshold >= 0, WindowMinutes >= 1 and Severity info, warning or critical.")
            .ValidateOnStart();
        return services;
    }
}
