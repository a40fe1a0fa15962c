//! Every route of the portal, read from the router's own source, so a route added later is
//! attacked too without anyone remembering to list it here.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// As written in the router: `/agenda/{id}/wijzigen`.
    pub path: String,
    pub get: bool,
    pub post: bool,
}

impl Route {
    /// The names of the path's parameters, in order.
    pub fn params(&self) -> Vec<&str> {
        self.path.split('/').filter_map(|part| part.strip_prefix('{')?.strip_suffix('}')).collect()
    }

    /// The path with each parameter replaced in order by `values`.
    pub fn fill(&self, values: &[&str]) -> String {
        let mut values = values.iter();
        self.path
            .split('/')
            .map(|part| if part.starts_with('{') { values.next().copied().unwrap_or("") } else { part })
            .collect::<Vec<_>>()
            .join("/")
    }

    pub fn methods(&self) -> Vec<&'static str> {
        [(self.get, "GET"), (self.post, "POST")].into_iter().filter(|(on, _)| *on).map(|(_, m)| m).collect()
    }
}

pub fn all() -> Vec<Route> {
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/../services/web/src/routes.rs");
    let text = std::fs::read_to_string(source).expect("the router's source");
    let mut routes = Vec::new();
    for piece in text.split(".route(").skip(1) {
        let Some(path) = piece.trim_start().strip_prefix('"').and_then(|p| p.split('"').next()) else { continue };
        // The route's handlers run up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let end = piece
            .char_indices()
            .find(|(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map_or(piece.len(), |(at, _)| at);
        let handlers = &piece[..end];
        let get = handlers.contains("get(");
        let post = handlers.contains("post(");
        routes.push(Route { path: path.to_owned(), get, post });
    }
    assert!(routes.len() > 50, "the router's routes were not found in {source}");
    routes
}
