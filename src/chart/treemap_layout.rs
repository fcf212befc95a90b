//! Squarified treemap layout (Bruls, Huizing & van Wijk, 2000). plotters has no treemap.

/// A placed rectangle: `x, y, width, height` in the units of the area given to [`squarify`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// Lays out `values` (non-negative, any order) in the `w` x `h` rectangle so that each cell's area
/// is proportional to its value and cells are as close to square as the greedy algorithm gets.
/// Returns one cell per value, in the input order; zero values get empty cells.
///
/// ```
/// use custseg::chart::treemap_layout::squarify;
/// let cells = squarify(&[6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0], 6.0, 4.0);
/// let area: f64 = cells.iter().map(|c| c.w * c.h).sum();
/// assert!((area - 24.0).abs() < 1e-9);
/// assert!((cells[0].w * cells[0].h - 6.0).abs() < 1e-9);
/// ```
pub fn squarify(values: &[f64], w: f64, h: f64) -> Vec<Cell> {
    let mut out = vec![
        Cell {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0
        };
        values.len()
    ];
    let total: f64 = values.iter().filter(|v| **v > 0.0).sum();
    if total <= 0.0 || w <= 0.0 || h <= 0.0 {
        return out;
    }
    // Largest first, ties by input position, so the layout is deterministic.
    let mut order: Vec<usize> = (0..values.len()).filter(|&i| values[i] > 0.0).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let scale = w * h / total;
    let areas: Vec<f64> = order.iter().map(|&i| values[i] * scale).collect();
    let (mut x, mut y, mut width, mut height) = (0.0, 0.0, w, h);
    let mut start = 0;
    while start < areas.len() {
        let side = width.min(height);
        let mut end = start + 1;
        while end < areas.len()
            && worst(&areas[start..=end], side) <= worst(&areas[start..end], side)
        {
            end += 1;
        }
        let row = &areas[start..end];
        let row_area: f64 = row.iter().sum();
        let thickness = row_area / side;
        let mut offset = 0.0;
        for (k, area) in row.iter().enumerate() {
            let length = area / thickness;
            out[order[start + k]] = if width >= height {
                // Column on the left side.
                Cell {
                    x,
                    y: y + offset,
                    w: thickness,
                    h: length,
                }
            } else {
                // Row along the top.
                Cell {
                    x: x + offset,
                    y,
                    w: length,
                    h: thickness,
                }
            };
            offset += length;
        }
        if width >= height {
            x += thickness;
            width -= thickness;
        } else {
            y += thickness;
            height -= thickness;
        }
        start = end;
    }
    out
}

/// The worst aspect ratio of a row of areas laid along a side of length `side`.
fn worst(row: &[f64], side: f64) -> f64 {
    let sum: f64 = row.iter().sum();
    let max = row.iter().cloned().fold(f64::MIN, f64::max);
    let min = row.iter().cloned().fold(f64::MAX, f64::min);
    let s2 = side * side;
    (s2 * max / (sum * sum)).max(sum * sum / (s2 * min))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_example_areas_and_tiling() {
        // The paper's example: 6, 6, 4, 3, 2, 2, 1 in a 6 x 4 rectangle.
        let values = [6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0];
        let cells = squarify(&values, 6.0, 4.0);
        for (v, c) in values.iter().zip(&cells) {
            assert!((c.w * c.h - v).abs() < 1e-9, "{v}: {c:?}");
            assert!(
                c.x >= -1e-9 && c.y >= -1e-9 && c.x + c.w <= 6.0 + 1e-9 && c.y + c.h <= 4.0 + 1e-9
            );
        }
        // First row: the two 6s stacked in a 3-wide column (aspect 3:2 each), as in the paper.
        assert_eq!(
            cells[0],
            Cell {
                x: 0.0,
                y: 0.0,
                w: 3.0,
                h: 2.0
            }
        );
        assert_eq!(
            cells[1],
            Cell {
                x: 0.0,
                y: 2.0,
                w: 3.0,
                h: 2.0
            }
        );
        // No two cells overlap.
        for i in 0..cells.len() {
            for j in i + 1..cells.len() {
                let (a, b) = (cells[i], cells[j]);
                let overlap_w = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
                let overlap_h = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
                assert!(
                    overlap_w <= 1e-9 || overlap_h <= 1e-9,
                    "{i} and {j} overlap"
                );
            }
        }
    }

    #[test]
    fn zeros_and_empty() {
        let cells = squarify(&[0.0, 5.0], 10.0, 10.0);
        assert_eq!(cells[0].w * cells[0].h, 0.0);
        assert!((cells[1].w * cells[1].h - 100.0).abs() < 1e-9);
        assert!(squarify(&[], 1.0, 1.0).is_empty());
        assert_eq!(squarify(&[0.0], 1.0, 1.0)[0].w, 0.0);
    }
}
