using Governance.Core.Database;
using Governance.Jobs.Hosting;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Governance.Jobs;

public static class GovernanceJobsServices
{
    /// <summary>Hangfire on PostgreSQL storage in the governance database, and the optional in-process server.</summary>
    public static IServiceCollection AddGovernanceJobs(this IServiceCollection services)
    {
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHangfire((sp, configuration) => configuration
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                o => o.UseConnectionFactory(new HangfireConnectionFactory(sp.GetRequiredService<GovernanceDatabase>())),
                new PostgreSqlStorageOptions
                {
                    SchemaName = sp.GetRequiredService<IOptions<JobsOptions>>().Value.Schema,
                    PrepareSchemaIfNecessary = false,
                }));
        services.AddHostedService<RecurringJobs>();
        services.AddSingleton<JobHealth>();
        services.AddSingleton<ConsoleWork>();
        services.AddHostedService<GovernanceJobServer>();
        services.AddTransient<Audit.VerifyAuditChainJob>();
        services.AddTransient<Audit.EvaluateAlertsJob>();
        services.AddSingleton<Reports.ReportGenerator>();
        services.AddTransient<Reports.GenerateReportJob>();
        services.AddTransient<Reports.MonthlyReportsJob>();
        services.AddTransient<Erasure.ErasureJob>();
        services.AddTransient<Exports.ExportJob>();
        services.AddTransient<Exports.ExpireExportsJob>();
        services.AddTransient<Retention.RetentionScheduleJob>();
        services.AddTransient<Retention.RetentionRunJob>();
        services.AddSingleton<Governance.Core.Exports.IExportSummary, Exports.ExportSummary>();
        return services;
    }
}
