using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Governance.Web.Localization;

/// <summary>
/// The console's words. Pages write the English text (<c>L["In review"]</c>); <c>Text.zh-CN.resx</c> holds its
/// Simplified Chinese. English needs no file: the text is its own key. <c>TranslationTests</c> fails when a text used
/// in the code has no Chinese.
/// </summary>
public sealed class Text
{
    /// <summary>The languages the console speaks, with their names in themselves (as a language picker shows them).</summary>
    public static readonly (string Culture, string Name)[] Languages = [("en", "English"), ("zh-CN", "简体中文")];

    public const string CookieName = ".Governance.Language";

    public static readonly string[] Cultures = Languages.Select(l => l.Culture).ToArray();

    /// <summary>The culture of an Accept-Language tag, or null: any English is English; Chinese written in simplified characters is zh-CN.</summary>
    public static string? Match(string tag)
    {
        var t = tag.Trim().ToLowerInvariant();
        if (t == "en" || t.StartsWith("en-", StringComparison.Ordinal))
        {
            return "en";
        }

        // zh-TW, zh-HK, zh-MO and zh-Hant are traditional characters: not served (English is the fallback).
        return t is "zh" or "zh-cn" or "zh-sg" or "zh-my" || t.StartsWith("zh-hans", StringComparison.Ordinal) ? "zh-CN" : null;
    }

    private static readonly System.Resources.ResourceManager Resources = new(typeof(Text).FullName!, typeof(Text).Assembly);

    /// <summary>The text in the current UI language, for code outside components (what <c>L[...]</c> does in them).</summary>
    public static string Get(string english) =>
        Resources.GetString(english, CultureInfo.CurrentUICulture)
        ?? (IsChinese && CoreMessages.Recognise(english) is { } known && Resources.GetString(known.Template, CultureInfo.CurrentUICulture) is { } translated
            ? string.Format(CultureInfo.CurrentCulture, translated, known.Values)
            : english);

    /// <summary>The text in the current UI language, its placeholders filled in the culture's formats.</summary>
    public static string Format(string english, params object?[] args) => string.Format(CultureInfo.CurrentCulture, Get(english), args);

    /// <summary>A use case's refusal in the reader's language, message by message (a message without a translation stays English).</summary>
    public static string Messages(Governance.Core.Validation.ValidationException refusal) =>
        string.Join(" ", refusal.Errors.Values.SelectMany(v => v).Select(Get));

    /// <summary>Marks an English text that is translated later, where it is shown (a table of menu items, say), so that the translation check finds it.</summary>
    public static string Key(string english) => english;

    /// <summary>A role in words.</summary>
    public static string Role(string role) => role switch
    {
        "PrivacyOfficer" => Text.Get("Privacy officer"),
        "Legal" => Text.Get("Legal"),
        "Auditor" => Text.Get("Auditor"),
        "Admin" => Text.Get("Admin"),
        _ => role,
    };

    /// <summary>Is the current UI language Chinese?</summary>
    public static bool IsChinese => CultureInfo.CurrentUICulture.Name.StartsWith("zh", StringComparison.Ordinal);
}

/// <summary>
/// The browser's Accept-Language, read in order of preference, mapped onto the languages the console speaks (the
/// framework's own provider only matches exact names, so "zh" or "zh-Hans-CN" would fall back to English).
/// </summary>
public sealed class BrowserLanguageProvider : RequestCultureProvider
{
    public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
    {
        var header = httpContext.Request.GetTypedHeaders().AcceptLanguage;
        var culture = header
            .Where(h => h.Quality is null or > 0)
            .OrderByDescending(h => h.Quality ?? 1)
            .Select(h => Text.Match(h.Value.ToString()))
            .FirstOrDefault(c => c is not null);
        return Task.FromResult(culture is null ? null : new ProviderCultureResult(culture));
    }
}

public static class LocalizationSetup
{
    public static IServiceCollection AddGovernanceLocalization(this IServiceCollection services)
    {
        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.SetDefaultCulture("en").AddSupportedCultures(Text.Cultures).AddSupportedUICultures(Text.Cultures);
            o.FallBackToParentUICultures = true;
            // The choice the person made (remembered in a cookie) first, then the browser's languages; English otherwise.
            o.RequestCultureProviders = [new CookieRequestCultureProvider { CookieName = Text.CookieName }, new BrowserLanguageProvider()];
        });
        return services;
    }

    /// <summary><c>/language?to=zh-CN&amp;back=/requests</c>: remembers the choice for a year and goes back (only within the console).</summary>
    public static void MapLanguageEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/language", async (HttpContext http, string? to, string? back, Governance.Core.Requests.StaffDirectory staff) =>
        {
            if (to is null || !Text.Cultures.Contains(to, StringComparer.Ordinal))
            {
                return Results.Problem(statusCode: 400, title: "Unknown language", detail: $"Query 'to' must be one of: {string.Join(", ", Text.Cultures)}.");
            }

            http.Response.Cookies.Append(Text.CookieName, CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(to)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps });
            // A signed-in person's choice is also kept with them: their notice e-mails are written in it.
            if (http.User.Identity?.IsAuthenticated == true)
            {
                await staff.SetLanguageAsync(Governance.Web.Audit.WebAuditActor.From(http.User, http).Id, to, http.RequestAborted);
            }

            var local = back is { Length: > 0 } && back[0] == '/' && !back.StartsWith("//", StringComparison.Ordinal) && !back.StartsWith("/\\", StringComparison.Ordinal);
            return Results.LocalRedirect(local ? back! : "/");
        }).AllowAnonymous();
}
