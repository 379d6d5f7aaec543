//! Clustering of matched pairs into entities: connected components by union-find.

/// `component[i]` is the smallest index in `i`'s connected component.
pub fn components(n: usize, edges: impl Iterator<Item = (u32, u32)>) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up; // path halving
            x = up;
        }
        x
    }
    for (a, b) in edges {
        if a as usize >= n || b as usize >= n {
            continue;
        }
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        // The smaller root wins, so each component is named by its smallest member.
        if ra < rb {
            parent[rb as usize] = ra;
        } else if rb < ra {
            parent[ra as usize] = rb;
        }
    }
    (0..n as u32).map(|i| find(&mut parent, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_components_named_by_smallest_member() {
        let c = components(7, [(5, 1), (1, 3), (4, 6), (6, 4)].into_iter());
        assert_eq!(c, vec![0, 1, 2, 1, 4, 1, 4]);
    }

    #[test]
    fn chains_join_transitively_and_out_of_range_is_ignored() {
        let c = components(4, [(3, 2), (2, 1), (1, 0), (9, 0)].into_iter());
        assert_eq!(c, vec![0, 0, 0, 0]);
        assert!(components(0, std::iter::empty()).is_empty());
    }
}
