using System.Security.Claims;
using Bunit;
using Governance.Core;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Governance.Web.Tests.Support;

/// <summary>A bunit context with the console's real Core services on the test databases, signed in as one member of staff, rendering interactively.</summary>
public static class ConsoleComponents
{
    public static BunitContext Create(ConsoleDatabases databases, string actorId, string role, Action<IServiceCollection>? more = null)
    {
        // These components wait on a real database while the other test assembly shares the two cores: bunit's one-second
        // default wait is too short for that.
        BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(databases.Settings).Build());
        context.Services.AddLogging();
        context.Services.AddGovernanceCore();
        context.Services.AddFluentUIComponents();
        context.Services.AddLocalization();
        context.Services.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
        context.Services.AddScoped<Governance.Web.Audit.CurrentActor>();
        context.Services.AddSingleton<Governance.Web.Security.DownloadLinks>();
        // The dashboard reads job health from Hangfire's tables in the test database (no job server runs here).
        context.Services.AddSingleton<Hangfire.JobStorage>(_ =>
        {
            var options = new Hangfire.PostgreSql.PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = false };
            return new Hangfire.PostgreSql.PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(databases.Settings["ConnectionStrings:Governance"]!, options), options);
        });
        context.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new Governance.Jobs.Hosting.JobsOptions()));
        context.Services.AddSingleton<Governance.Jobs.Hosting.JobHealth>();
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, actorId), new Claim(ClaimTypes.Name, "staff"), new Claim(ClaimTypes.Role, role)], "test");
        context.Services.AddSingleton<AuthenticationStateProvider>(new FixedState(new ClaimsPrincipal(identity)));
        more?.Invoke(context.Services);
        context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return context;
    }

    /// <summary>As <see cref="Create"/>, with the console's real authorization policies in place of bunit's placeholders (for pages that show parts by policy).</summary>
    public static BunitContext WithPolicies(ConsoleDatabases databases, string actorId, string role) => Create(databases, actorId, role, services =>
    {
        foreach (var placeholder in services.Where(d => d.ServiceType.Namespace == "Microsoft.AspNetCore.Authorization").ToList())
        {
            services.Remove(placeholder);
        }

        services.AddAuthorizationCore(Governance.Web.Authentication.GovernancePolicies.Add);
        services.AddCascadingAuthenticationState();
    });

    private sealed class FixedState(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }
}
