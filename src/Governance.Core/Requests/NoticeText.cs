using System.Globalization;

namespace Governance.Core.Requests;

/// <summary>The languages the console writes in to its staff.</summary>
public static class Languages
{
    public const string English = "en";
    public const string Chinese = "zh-CN";

    /// <summary>The language if the console writes in it, else null.</summary>
    public static string? Known(string? language) => language switch
    {
        English or Chinese => language,
        _ => null,
    };
}

/// <summary>
/// The deadline notice e-mail in one language. It names request references, kinds and dates only, never the people.
/// </summary>
public sealed record NoticeText(string Culture, string OverdueSubject, string DueSoonSubject, string Opening, string Overdue, string DueSoon, string Due, string OpenTheList)
{
    public static readonly NoticeText English = new(Languages.English,
        "{0} data-subject requests overdue",
        "Data-subject requests due soon",
        "Data-subject requests need attention: {0} overdue, {1} due within {2} days.",
        "overdue",
        "due soon",
        "due {0}",
        "Open the list: {0}");

    public static readonly NoticeText Chinese = new(Languages.Chinese,
        "{0} 件数据主体请求已逾期",
        "数据主体请求即将到期",
        "数据主体请求需要处理：{0} 件已逾期，{1} 件将在 {2} 天内到期。",
        "已逾期",
        "即将到期",
        "截止日期 {0}",
        "打开请求列表：{0}");

    /// <summary>The text for a recipient's language; English when it is not known.</summary>
    public static NoticeText For(string? language) => language == Languages.Chinese ? Chinese : English;

    public string Format(string template, params object[] args) => string.Format(CultureInfo.InvariantCulture, template, args);
}
