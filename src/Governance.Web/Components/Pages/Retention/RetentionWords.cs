using Governance.Core.Retention;
using Governance.Web.Localization;

namespace Governance.Web.Components.Pages.Retention;

/// <summary>A retention rule's age, scope and action in the reader's language (the codes stay in the files and in data attributes).</summary>
public static class RetentionWords
{
    public static string Age(RetentionAge age)
    {
        var parts = new List<string>();
        void Add(int n, string one, string many)
        {
            if (n > 0)
            {
                parts.Add(n == 1 ? Text.Get(one) : Text.Format(many, n));
            }
        }

        Add(age.Years, Text.Key("1 year"), Text.Key("{0} years"));
        Add(age.Months, Text.Key("1 month"), Text.Key("{0} months"));
        Add(age.Weeks, Text.Key("1 week"), Text.Key("{0} weeks"));
        Add(age.Days, Text.Key("1 day"), Text.Key("{0} days"));
        Add(age.Hours, Text.Key("1 hour"), Text.Key("{0} hours"));
        Add(age.Minutes, Text.Key("1 minute"), Text.Key("{0} minutes"));
        return string.Join(Text.Get(", "), parts);
    }

    public static string Scope(RetentionRule rule) => rule.Map == ConsoleRecords.Map ? Text.Get("the console's own records") : string.Join(Text.Get(", "), new[]
    {
        rule.Conversation is null ? null : Text.Format("conversation {0}", rule.Conversation),
        rule.ConversationKind is null ? null : Kind(rule.ConversationKind),
        rule.Tenant is null ? null : Text.Format("tenant {0}", rule.Tenant),
        rule.Store is not null ? Text.Format("store {0}", rule.Store) : rule.Region is not null ? Text.Format("region {0}", rule.Region) : Text.Get("every store"),
    }.OfType<string>());

    /// <summary>A kind of conversation: the three the data maps name in words, any other by its code.</summary>
    public static string Kind(string kind) => kind switch
    {
        "direct" => Text.Get("direct conversations"),
        "group" => Text.Get("group conversations"),
        "channel" => Text.Get("channels"),
        _ => Text.Format("conversations of kind {0}", kind),
    };

    public static string Action(string code) => code switch
    {
        "delete" => Text.Get("Delete"),
        "anonymise" => Text.Get("Anonymise"),
        _ => Text.Get("Archive, then delete"),
    };

    public static string Outcome(RetentionAction action) => action switch
    {
        RetentionAction.Delete => Text.Get("deleted"),
        RetentionAction.Anonymise => Text.Get("anonymised"),
        _ => Text.Get("archived, then deleted"),
    };
}
