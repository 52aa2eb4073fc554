using System.Globalization;
using System.Text;

namespace Governance.Core.Demo;

/// <summary>Names, phrases and other text of the demo data, per locale. All of it is invented.</summary>
internal static class DemoText
{
    public sealed record Locale(string Code, string[] Given, string[] Family, string[] Sentences, bool FamilyFirst = false, string[]? GivenLatin = null, string[]? FamilyLatin = null);

    public static readonly Locale EnGb = new("en-GB",
        ["Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Noah", "Emily", "Jack", "Sophie", "Leo", "Grace", "Arthur", "Chloe", "Oscar", "Ruby"],
        ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Green"],
        ["Can we move the stand-up to ten?", "The quarterly numbers are in the shared folder.", "Thanks, that works for me.",
         "I'll review the contract draft this afternoon.", "Has anyone heard back from the supplier?", "Lunch at the usual place?",
         "The build is green again.", "Please find the slides attached.", "Let's park this until Monday.", "Great work on the launch, everyone!",
         "Could you share the customer feedback?", "I'm out of office tomorrow.", "The meeting room is booked until three.",
         "Sorry, running five minutes late.", "Who owns the onboarding checklist?", "Budget approval came through."]);

    public static readonly Locale EnUs = new("en-US",
        ["James", "Olivia", "Liam", "Emma", "Mason", "Sophia", "Ethan", "Mia", "Lucas", "Harper", "Logan", "Ella", "Aiden", "Avery", "Carter", "Zoe"],
        ["Johnson", "Miller", "Davis", "Garcia", "Rodriguez", "Martinez", "Anderson", "Thompson", "Moore", "Jackson", "Lee", "Harris", "Clark", "Lewis"],
        ["Can you ping me when the deploy is done?", "Sales call moved to 2pm PT.", "Sounds good!", "I'll loop in legal on this one.",
         "The dashboard looks off today.", "Let's sync after the all-hands.", "Heads up: the VPN is down for maintenance tonight.",
         "Thanks for jumping on this so fast.", "Who's covering support this weekend?", "Draft is ready for review.",
         "Can we push the deadline a week?", "Shipping the fix now.", "The client signed!", "PTO request submitted.", "Standup notes are in the doc."]);

    public static readonly Locale DeDe = new("de-DE",
        ["Lukas", "Anna", "Leon", "Lea", "Finn", "Hannah", "Jonas", "Marie", "Paul", "Lena", "Felix", "Johanna", "Jürgen", "Sören"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Köhler", "Groß"],
        ["Können wir das Meeting auf morgen verschieben?", "Die Zahlen für das Quartal liegen im Ordner.", "Danke, passt für mich.",
         "Ich schaue mir den Vertragsentwurf heute Nachmittag an.", "Hat jemand schon vom Lieferanten gehört?", "Mittagessen um zwölf?",
         "Der Build ist wieder grün.", "Anbei die Folien.", "Lass uns das am Montag besprechen.", "Super Arbeit beim Launch!",
         "Bin morgen nicht im Büro.", "Das Budget wurde freigegeben.", "Wer kümmert sich um die Einarbeitung?"]);

    public static readonly Locale FrFr = new("fr-FR",
        ["Gabriel", "Louise", "Raphaël", "Emma", "Léo", "Jade", "Hugo", "Alice", "Arthur", "Chloé", "Jules", "Léa", "Théo", "Inès"],
        ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Lefèvre", "Girard"],
        ["On peut décaler la réunion à demain ?", "Les chiffres du trimestre sont dans le dossier partagé.", "Merci, ça me va.",
         "Je relis le contrat cet après-midi.", "Quelqu'un a des nouvelles du fournisseur ?", "On déjeune ensemble ?",
         "Le build est de nouveau vert.", "Vous trouverez les diapositives en pièce jointe.", "Bravo à toute l'équipe pour le lancement !",
         "Je suis en congé demain.", "Le budget a été validé."]);

    public static readonly Locale EsEs = new("es-ES",
        ["Hugo", "Lucía", "Martín", "Sofía", "Pablo", "María", "Alejandro", "Paula", "Daniel", "Julia", "Álvaro", "Carmen"],
        ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz"],
        ["¿Podemos mover la reunión a mañana?", "Las cifras del trimestre están en la carpeta compartida.", "Gracias, me viene bien.",
         "Reviso el borrador del contrato esta tarde.", "¿Alguien sabe algo del proveedor?", "¿Comemos juntos?",
         "La compilación vuelve a estar en verde.", "Adjunto las diapositivas.", "¡Buen trabajo con el lanzamiento!",
         "Mañana no estoy en la oficina.", "El presupuesto está aprobado."]);

    public static readonly Locale ZhCn = new("zh-CN",
        ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明"],
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱"],
        ["我们可以把会议改到明天吗？", "本季度的数据已经放在共享文件夹里了。", "好的，没问题。", "我下午看一下合同草稿。",
         "有人收到供应商的回复了吗？", "中午一起吃饭吗？", "构建又通过了。", "附件是今天的幻灯片。", "发布做得很棒，辛苦大家了！",
         "我明天请假。", "预算已经批下来了。", "谁负责新员工入职清单？", "客户已经签字了！", "周报已经更新。", "请大家准时参加下午的评审。"],
        FamilyFirst: true,
        GivenLatin: ["wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan", "jie", "juan", "tao", "ming"],
        FamilyLatin: ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu"]);

    public static readonly IReadOnlyDictionary<string, Locale[]> LocalesByRegion = new Dictionary<string, Locale[]>(StringComparer.Ordinal)
    {
        ["eu"] = [EnGb, DeDe, FrFr, EsEs, EnGb],
        ["us"] = [EnUs, EnUs, EnUs, EsEs],
        ["cn"] = [ZhCn, ZhCn, ZhCn, EnUs],
    };

    public static readonly string[] Emoji = ["👍", "❤️", "😂", "🎉", "👀", "✅", "🙏", "🔥"];

    public static readonly string[] GroupWords = ["Apollo", "Atlas", "Borealis", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Indigo", "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orion"];

    public static readonly string[] GroupWordsZh = ["星火", "远航", "磐石", "青云", "北极星", "晨曦", "飞鸿", "长风"];

    public static readonly string[] Channels = ["general", "announcements", "random", "engineering", "sales", "support", "hr-questions", "it-help", "finance", "marketing", "security", "design"];

    public static readonly string[] Prompts =
    [
        "Summarise this thread for me", "Draft a polite reply declining the meeting", "Translate the last message into English",
        "What were the action items from yesterday?", "Write a status update for the project", "请帮我总结一下这个群的讨论",
        "把这段话翻译成英文", "Fasse den Verlauf zusammen", "Résume la conversation",
    ];

    public static readonly string[] Answers =
    [
        "Here is a short summary of the discussion: the team agreed on the timeline and two open questions remain.",
        "Thanks for the invitation. Unfortunately I cannot attend, but please share the notes afterwards.",
        "Action items: update the forecast, confirm the venue, send the contract to legal.",
        "讨论要点：时间表已确定，还有两个问题待确认。", "Zusammenfassung: Der Zeitplan steht, zwei Fragen sind offen.",
        "Résumé : le calendrier est validé, deux questions restent ouvertes.",
    ];

    public static readonly (string Platform, string Model, string UserAgent)[] Devices =
    [
        ("ios", "iPhone 15", "ChatApp/5.2 (iPhone; iOS 18.1)"),
        ("android", "Pixel 8", "ChatApp/5.2 (Linux; Android 15; Pixel 8)"),
        ("android", "Galaxy S24", "ChatApp/5.2 (Linux; Android 14; SM-S921B)"),
        ("windows", "Desktop", "ChatApp/5.2 (Windows NT 10.0; Win64; x64)"),
        ("macos", "MacBook Pro", "ChatApp/5.2 (Macintosh; Mac OS X 14_6)"),
        ("web", "Browser", "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0"),
    ];

    /// <summary>An ASCII form of a Latin name for e-mail addresses (accents dropped).</summary>
    public static string Ascii(string text)
    {
        var decomposed = text.Replace("ß", "ss", StringComparison.Ordinal).Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark && c < 128 && c != ' ' && c != '\'')
            {
                sb.Append(char.ToLowerInvariant(c));
            }
        }

        return sb.ToString();
    }
}
