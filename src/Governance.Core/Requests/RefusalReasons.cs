namespace Governance.Core.Requests;

/// <summary>One listed reason for refusing a request under one regime, with the provision it rests on.</summary>
/// <param name="Code">The reason's code, the same in every regime (metrics count by it).</param>
/// <param name="Basis">The provision, as the refusal letter cites it.</param>
/// <param name="NeedsArticle">An exemption names its own article (which one depends on the case).</param>
public sealed record RefusalReason(string Code, string Basis, bool NeedsArticle = false);

/// <summary>
/// The fixed list of reasons a request may be refused for, per regime, so that refusals are counted exactly and every
/// letter cites its provision. "Other" stays possible but must be explained in the reason, and counts apart.
/// </summary>
public static class RefusalReasons
{
    public const string Unverifiable = "unverifiable";
    public const string NotASubject = "not-a-subject";
    public const string Exemption = "exemption";
    public const string ManifestlyUnfounded = "manifestly-unfounded";
    public const string Excessive = "excessive";
    public const string RepeatLimit = "repeat-limit";
    public const string Other = "other";

    private static readonly Dictionary<string, RefusalReason[]> ByRegime = new(StringComparer.Ordinal)
    {
        ["gdpr"] =
        [
            new(Unverifiable, "GDPR Art. 11(2) and Art. 12(2) and (6)"),
            new(NotASubject, "GDPR Art. 4(1) (no personal data relating to the person is processed)"),
            new(Exemption, "GDPR", NeedsArticle: true),
            new(ManifestlyUnfounded, "GDPR Art. 12(5)(b)"),
            new(Excessive, "GDPR Art. 12(5)(b)"),
            new(Other, "GDPR"),
        ],
        ["ccpa"] =
        [
            new(Unverifiable, "Cal. Civ. Code § 1798.140(ak); 11 CCR §§ 7060-7063"),
            new(NotASubject, "Cal. Civ. Code § 1798.140(i) (not a consumer)"),
            new(Exemption, "Cal. Civ. Code", NeedsArticle: true),
            new(ManifestlyUnfounded, "Cal. Civ. Code § 1798.145(h)(3)"),
            new(Excessive, "Cal. Civ. Code § 1798.145(h)(3)"),
            new(RepeatLimit, "Cal. Civ. Code §§ 1798.100(d), 1798.130(b) (more than two requests to know in 12 months)"),
            new(Other, "Cal. Civ. Code"),
        ],
        ["pipl"] =
        [
            new(Unverifiable, "GB/T 35273-2020 § 8.7 a)"),
            new(NotASubject, "PIPL Art. 4 (no personal information relating to the person is handled)"),
            new(Exemption, "PIPL", NeedsArticle: true),
            new(Excessive, "GB/T 35273-2020 § 8.7 d)"),
            new(Other, "PIPL Art. 50"),
        ],
    };

    /// <summary>The reasons one regime lists (none for a regime this console has no list for: it cannot be refused with a listed reason).</summary>
    public static IReadOnlyList<RefusalReason> For(string regime) => ByRegime.TryGetValue(regime, out var list) ? list : [];

    public static RefusalReason? Find(string regime, string? code) => For(regime).FirstOrDefault(r => r.Code == code);

    /// <summary>The citation a letter and the register give: the listed provision, or for an exemption the article the officer named.</summary>
    public static string Cite(RefusalReason reason, string? article) =>
        reason.NeedsArticle && !string.IsNullOrWhiteSpace(article) ? $"{reason.Basis} {article.Trim()}" : reason.Basis;
}
