namespace Governance.Web.Localization;

/// <summary>
/// The use cases' field messages that forms show as they are (the use cases speak English to the API's clients): listed
/// here so that they have their Chinese. <c>TranslationTests</c> checks that each is still a message of the use cases.
/// Messages that name codes (a regime, a type) are not here: the forms say "choose from the list" instead.
/// </summary>
public static class CoreMessages
{
    public static readonly string[] All =
    [
        Text.Key("Name the authorised agent acting for the person."),
        Text.Key("Tick 'authorised agent' when an agent acts for the person, or leave the agent fields empty."),
        Text.Key("Not a valid e-mail address."),
        Text.Key("Use the international form, e.g. +447700900123."),
        Text.Key("An id of letters, digits, '_', '.', ':' or '-' (at most 200)."),
        Text.Key("Give the person's e-mail, phone or user id."),
        Text.Key("The date of receipt must be within the last two years and not in the future."),
        Text.Key("Name the matter (1 to 200 characters)."),
        Text.Key("The hold was released; create a new one."),
        Text.Key("Give the reason (1 to 2,000 characters)."),
        Text.Key("An extension can only move the window's start earlier."),
        Text.Key("An extension can only move the window's end later."),
        Text.Key("Nothing to extend: add scope, a later review date or a wider window."),
        Text.Key("Give the reason for the release (1 to 2,000 characters)."),
        Text.Key("No active hold with this id."),
        Text.Key("Name at least one custodian, conversation or tenant."),
        Text.Key("The window ends after it starts."),
        Text.Key("The period ends before it starts."),
        Text.Key("Only a privacy officer or an admin resolves alerts."),
        Text.Key("Say why the alert is resolved (at most 500 characters)."),
        Text.Key("This alert is about you: another member of staff resolves it."),
        Text.Key("No local account has this name."),
        Text.Key("This is the last enabled Admin: give another account the Admin role first."),
        Text.Key("Give at least one role."),
        Text.Key("The file as the console first read it."),
        Text.Key("The person's identity has not been verified: verify it before approving."),
        Text.Key("An exemption names its article (e.g. Art. 17(3)(e))."),
        Text.Key("The law of this request lets its clock run whatever happens: it cannot be stopped."),
        Text.Key("Give the day the information was asked for: from the day of receipt to today."),
        Text.Key("The request was already due on that day: a clock that has run out cannot be stopped."),
        Text.Key("Give the day the information arrived: from the day the clock stopped to today."),
        Text.Key("Name the request this one duplicates."),
        Text.Key("Name another request of this console as the original."),
        Text.Key("That request is itself closed as a duplicate: name the one it duplicates."),
        Text.Key("Say why the two requests are separate (at most 2,000 characters)."),
        Text.Key("Choose the reason for refusing from the list."),
        Text.Key("The data map has no such field: correct it in the chat system, or add a supplementary statement."),
        Text.Key("The field is in other people's records too (not one row per person): add a supplementary statement instead."),
        Text.Key("The field is inside a JSON document: the console does not update it."),
        Text.Key("Credentials are changed by the person, not corrected by staff."),
        Text.Key("The collection's rows are not found by one id: the console cannot name the row."),
        Text.Key("The store search found no account of the person: search the chat stores first."),
        Text.Key("Name the field to correct (from the list, or in words)."),
        Text.Key("Give the corrected value (1 to 1,000 characters)."),
        Text.Key("The law of this request allows no fee."),
        Text.Key("Give the amount (more than 0, at most 100,000)."),
        Text.Key("Give the currency's ISO 4217 code (EUR, USD, CNY)."),
        Text.Key("Give the reasons for the fee (1 to 2,000 characters)."),
        Text.Key("The request is closed: no fee can be asked."),
        Text.Key("The data map has no such field: choose one from the list, or describe it in words."),
        Text.Key("Give the reason for lifting (1 to 2,000 characters)."),
        Text.Key("Art. 18(3): give the day the person was told, before the restriction is lifted (not after today)."),
        Text.Key("No restriction in force for this request."),
        Text.Key("Search the chat stores first: the flag applies to the accounts found there (or to the user id the request gives)."),
        Text.Key("Choose what the person must supply from the list."),
        Text.Key("The request has been extended once already; the law allows one extension."),
        Text.Key("An extension needs the new due date and the date the person was told."),
        Text.Key("The person must be told before the first due date, and the new due date must come after it."),
        Text.Key("Resuming needs the state the request was in when the hold began."),
        Text.Key("Changed in the folder, not on this page (see the repository's history for who and why)."),
    ];

    /// <summary>
    /// The use cases' messages that carry a value (a number, a date, a name): the text with {0}, {1} where the use case
    /// writes its values. <see cref="Text.Get"/> recognises a message by its words and translates it with its values.
    /// </summary>
    public static readonly string[] Templates =
    [
        Text.Key("At most {0} characters."),
        Text.Key("At least {0} characters."),
        Text.Key("Write between 1 and {0} characters."),
        Text.Key("Must hold between 1 byte and {0} bytes."),
        Text.Key("At most {0} entries at once."),
        Text.Key("Entry {0}: ids are letters, digits, '_', '.', ':' or '-' (at most 200)."),
        Text.Key("An extension moves the review date later than {0}."),
        Text.Key("No rule named '{0}' is in force."),
        Text.Key("The rule '{0}' was not found in {1}: it changed since the page was opened."),
        Text.Key("{0} changed since you opened it (another version was saved, or the file was edited in the folder): open it again and make your change there."),
    ];

    private static readonly (System.Text.RegularExpressions.Regex Pattern, string Template)[] Patterns = Templates
        .Select(t => (new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Escape(t), @"\\\{[0-9]+}", "(.+?)") + "$",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50)), t))
        .ToArray();

    /// <summary>The template a message was written from, with the values it carries; null when it is none of them.</summary>
    public static (string Template, string[] Values)? Recognise(string message)
    {
        foreach (var (pattern, template) in Patterns)
        {
            var match = pattern.Match(message);
            if (match.Success)
            {
                return (template, match.Groups.Cast<System.Text.RegularExpressions.Group>().Skip(1).Select(g => g.Value).ToArray());
            }
        }

        return null;
    }
}
