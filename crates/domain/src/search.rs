//! Words for full-text search: how text is cut into index terms, and how a hit's snippet is
//! marked. The index itself never holds these words: the app turns each into a keyed token.

use serde::Serialize;

/// The terms of `text`: lower case, accents folded, split at anything not a letter or digit,
/// one- letter words dropped, each term once.
pub fn terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in fold(text).split(|c: char| !c.is_alphanumeric()) {
        if word.chars().count() >= 2 && !out.iter().any(|w| w == word) {
            out.push(word.to_owned());
        }
    }
    out
}

/// Lower case with the common Latin accents folded (José -> jose, Nguyễn -> nguyen).
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ạ' | 'ả' | 'ấ' | 'ầ' | 'ẩ'
            | 'ẫ' | 'ậ' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ' | 'ặ' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'ď' | 'đ' => 'd',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' | 'ẹ' | 'ẻ' | 'ẽ' | 'ế' | 'ề' | 'ể' | 'ễ'
            | 'ệ' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ĩ' | 'ị' | 'ỉ' => 'i',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ơ' | 'ọ' | 'ỏ' | 'ố' | 'ồ' | 'ổ' | 'ỗ'
            | 'ộ' | 'ớ' | 'ờ' | 'ở' | 'ỡ' | 'ợ' => 'o',
            'ř' => 'r',
            'ś' | 'š' | 'ş' => 's',
            'ť' | 'ţ' => 't',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ư' | 'ụ' | 'ủ' | 'ũ' | 'ứ' | 'ừ' | 'ử' | 'ữ'
            | 'ự' => 'u',
            'ý' | 'ÿ' | 'ỳ' | 'ỵ' | 'ỷ' | 'ỹ' => 'y',
            'ź' | 'ż' | 'ž' => 'z',
            other => other,
        })
        .collect()
}

/// A piece of a snippet; `hit` pieces are the searched words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// About `width` characters of `text` around the first searched term, with every searched term
/// marked.
pub fn snippet(text: &str, query_terms: &[String], width: usize) -> Vec<SnippetPart> {
    let chars: Vec<char> = text.chars().collect();
    let words = word_spans(&chars);
    let is_hit = |(s, e): (usize, usize)| {
        let word: String = chars[s..e].iter().collect();
        query_terms.contains(&fold(&word))
    };
    let first = words.iter().copied().find(|span| is_hit(*span));
    let start = first.map(|(s, _)| s.saturating_sub(width / 3)).unwrap_or(0);
    let start = chars[..start]
        .iter()
        .rposition(|c| c.is_whitespace())
        .map(|p| p + 1)
        .unwrap_or(0)
        .max(start.saturating_sub(12));
    let end = (start + width).min(chars.len());
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut push = |text: String, hit: bool| match parts.last_mut() {
        Some(last) if last.hit == hit => last.text.push_str(&text),
        _ => parts.push(SnippetPart { text, hit }),
    };
    if start > 0 {
        push("… ".into(), false);
    }
    let mut at = start;
    for (s, e) in words
        .iter()
        .copied()
        .filter(|(s, e)| *s >= start && *e <= end)
    {
        push(chars[at..s].iter().collect(), false);
        push(chars[s..e].iter().collect(), is_hit((s, e)));
        at = e;
    }
    push(chars[at..end].iter().collect(), false);
    if end < chars.len() {
        push(" …".into(), false);
    }
    parts.retain(|p| !p.text.is_empty());
    parts
}

fn word_spans(chars: &[char]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in chars.iter().enumerate() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, chars.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_fold_case_and_accents_and_drop_repeats() {
        assert_eq!(
            terms("José worked at the Dairy; JOSE, dairy! a"),
            vec!["jose", "worked", "at", "the", "dairy"]
        );
        assert_eq!(terms("Nguyễn"), vec!["nguyen"]);
    }

    #[test]
    fn snippets_mark_every_searched_word_near_the_first() {
        let text = "The survivor said the farm kept her passport. Later the farm owner moved.";
        let parts = snippet(text, &["passport".into(), "farm".into()], 40);
        let hits: Vec<&str> = parts
            .iter()
            .filter(|p| p.hit)
            .map(|p| p.text.as_str())
            .collect();
        assert!(hits.contains(&"passport"), "{parts:?}");
        assert!(hits.contains(&"farm"), "{parts:?}");
        let shown: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert!(shown.chars().count() <= 40 + 4, "{shown}");
    }
}
