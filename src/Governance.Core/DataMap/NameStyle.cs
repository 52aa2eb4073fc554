using System.Text;

namespace Governance.Core.DataMap;

/// <summary>How policy files and pages spell enum values: PascalCase becomes kebab-case (DeleteRow -> delete-row).</summary>
public static class NameStyle
{
    public static string Kebab(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && sb.Length > 0)
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    public static string Kebab(Enum value) => Kebab(value.ToString());
}
