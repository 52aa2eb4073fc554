using Governance.Web.Reports;
using Governance.Core;
using Governance.Jobs;
using Governance.Web.Audit;
using Governance.Web.Authentication;
using Governance.Web.Components;
using Governance.Web.Health;
using Governance.Web.Security;
using Hangfire;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Governance.Web;

/// <summary>Composes the web process: Blazor Server, APIs, sign-in, Hangfire dashboard and (optionally) server, health.</summary>
public static class GovernanceWebHost
{
    public static WebApplication Build(string[] args)
    {
        // Settings and static assets are found beside the binary, whatever the working folder (tests pass their own root).
        var ownRoot = !args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = ownRoot ? AppContext.BaseDirectory : null,
        });
        builder.Configuration.AddGovernanceSettingsFile();
        builder.WebHost.UseStaticWebAssets();
        RequirePoliciesFolder(builder.Configuration, builder.Environment);

        builder.Services.AddHostedService<Health.StartupCheck>();
        builder.Services.AddGovernanceCore();
        builder.Services.AddGovernanceJobs();
        Governance.Web.Localization.LocalizationSetup.AddGovernanceLocalization(builder.Services);
        builder.Services.AddGovernanceAuthentication(builder.Configuration, builder.Environment);
        builder.Services.AddOptions<Security.ProxyOptions>().BindConfiguration(Security.ProxyOptions.Section);
        builder.Services.AddHostedService<InitialAdmin>();
        builder.Services.AddHostedService<Governance.Core.Audit.AuditSealingService>();
        builder.Services.AddGovernanceHealthChecks();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        // After the framework's own provider, so that open pages re-check their sign-in session.
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, SessionRevalidatingStateProvider>();
        builder.Services.AddFluentUIComponents();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<Audit.CurrentActor>();
        builder.Services.AddOptions<Requests.ApiOAuthOptions>().BindConfiguration(Requests.ApiOAuthOptions.Section);
        builder.Services.AddOptions<Requests.IntakeLimitOptions>().BindConfiguration(Requests.IntakeLimitOptions.Section);
        builder.Services.AddSingleton<Requests.IntakeLimits>();
        builder.Services.AddSingleton<DownloadLinks>();
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        var proxies = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Security.ProxyOptions>>().Value;
        if (proxies.Any)
        {
            // First, so that everything after (HSTS, cookies, the audit log's client address) sees the client's request.
            app.UseForwardedHeaders(proxies.ToForwardedHeaders());
        }

        app.UseGovernanceSecurityHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }

        app.UseStaticFiles();
        app.UseRequestLocalization();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapGovernanceHealth();
        app.MapAccountEndpoints();
        Governance.Web.Localization.LocalizationSetup.MapLanguageEndpoint(app);
        app.MapAuditEndpoints();
        app.MapReportEndpoints();
        Governance.Web.Retention.RetentionEndpoints.MapRetentionEndpoints(app);
        Governance.Web.Requests.RequestEndpoints.MapRequestEndpoints(app);
        var jobs = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Governance.Jobs.Hosting.JobsOptions>>().Value;
        app.UseWhen(JobsDashboardAudit.IsAction, branch => branch.Use(JobsDashboardAudit.Middleware));
        app.MapHangfireDashboard("/jobs", new DashboardOptions
        {
            // Access is decided by the endpoint's policy below; Hangfire's own filter would allow local requests only.
            Authorization = [],
            IsReadOnlyFunc = _ => !jobs.DashboardWritable,
            AppPath = "/",
            DashboardTitle = "Governance jobs",
            DisplayStorageConnectionString = false,
        }).RequireAuthorization(GovernancePolicies.Jobs);
        // Stylesheets, scripts and images carry nothing to protect, and the sign-in page needs them before anyone is signed in.
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>
    /// Outside Development the policy files are named, never searched for above the working folder (a folder planted
    /// higher up could otherwise supply the data maps). <c>./gov</c> names the repository's own.
    /// </summary>
    private static void RequirePoliciesFolder(IConfiguration configuration, IWebHostEnvironment environment)
    {
        if (!environment.IsDevelopment() && string.IsNullOrWhiteSpace(configuration[$"{Governance.Core.DataMap.DataMapOptions.Section}:Directory"]))
        {
            throw new InvalidOperationException(
                "DataMap:Directory is not set: outside Development the console does not search for policies/ above its working folder; set it to the folder of the data maps (./gov sets the repository's own).");
        }
    }
}
