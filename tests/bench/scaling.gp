# SPDX-License-Identifier: GPL-2.0-or-later
# Login cost and memory per alcove against the number of alcoves alive (tests/bench/report.py
# writes the data file and calls: gnuplot -e "dat='…'; out='…'" scaling.gp).
# Columns: n first_added lo hi further_added lo hi init_rss_kb init_private_kb sunreclaim_kb
#          stacks_pagetables_kb (the kernel columns are NaN below 50 alcoves: noise there)
set terminal pngcairo size 1100,460 font "DejaVu Sans,10" noenhanced
set output out
set multiplot layout 1,2 title "alcove: cost against the number of alcoves alive"
set logscale x
set xrange [0.7:800]
set xtics ("1" 1, "10" 10, "100" 100, "500" 500)
set grid
set key top left
set xlabel "alcoves alive"

set title "login time alcove adds to ssh u@127.0.0.1 true"
set yrange [0:*]
set offsets 0, 0, 2, 0
set ylabel "ms (median A − median B, 95 % interval)"
plot dat using ($1*0.97):2:3:4 with yerrorlines lw 2 pt 7 title "first login (alcove built)", \
     dat using ($1*1.03):5:6:7 with yerrorlines lw 2 pt 5 title "further login (alcove running)"

set title "memory per idle alcove"
set ylabel "KiB"
set yrange [0:*]
set offsets 0, 0, 0, 0
set key right center
plot dat using 1:8 with linespoints lw 2 pt 7 title "alcove-init RSS", \
     dat using 1:9 with linespoints lw 2 pt 5 title "alcove-init private (its own pages)", \
     dat using 1:10 with linespoints lw 2 pt 9 title "unreclaimable slab growth / N", \
     dat using 1:11 with linespoints lw 2 pt 11 title "kernel stacks + page tables growth / N"
unset multiplot
